/**
 * Keccak-256 as Ethereum uses it (the original Keccak padding, not SHA3-256's, which is why
 * `node:crypto` cannot stand in): the simulated EVM node names a signed transaction by it, as
 * every client computes the hash before the node answers. Lanes are `bigint`s: simple, and fast
 * enough for a test venue (a transaction hashes in well under a millisecond).
 */

const MASK = (1n << 64n) - 1n;
const RATE_BYTES = 136; // 1088-bit rate for a 256-bit output

/** Round constants, from Keccak's LFSR (FIPS 202 §3.2.5, as TweetFIPS202 computes them). */
const ROUND_CONSTANTS: readonly bigint[] = (() => {
  const constants: bigint[] = [];
  let r = 1;
  for (let round = 0; round < 24; round++) {
    let rc = 0n;
    for (let j = 0; j < 7; j++) {
      r = ((r << 1) ^ ((r >> 7) * 0x71)) % 256;
      if (r & 2) rc ^= 1n << BigInt((1 << j) - 1);
    }
    constants.push(rc);
  }
  return constants;
})();

const rotl = (lane: bigint, n: number): bigint =>
  n === 0 ? lane : ((lane << BigInt(n)) | (lane >> BigInt(64 - n))) & MASK;

/** Keccak-f[1600] on 25 lanes, state[x + 5y]. */
function permute(state: bigint[]): void {
  for (const rc of ROUND_CONSTANTS) {
    // θ
    const c = [0, 1, 2, 3, 4].map(
      (x) => state[x]! ^ state[x + 5]! ^ state[x + 10]! ^ state[x + 15]! ^ state[x + 20]!,
    );
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5]! ^ rotl(c[(x + 1) % 5]!, 1);
      for (let y = 0; y < 25; y += 5) state[x + y]! ^= d;
    }
    // ρ and π: walk the 24 lanes other than (0, 0), rotating by the triangular numbers.
    let x = 1;
    let y = 0;
    let current = state[1]!;
    for (let t = 0; t < 24; t++) {
      [x, y] = [y, (2 * x + 3 * y) % 5];
      const next = state[x + 5 * y]!;
      state[x + 5 * y] = rotl(current, (((t + 1) * (t + 2)) / 2) % 64);
      current = next;
    }
    // χ
    for (let row = 0; row < 25; row += 5) {
      const lanes = state.slice(row, row + 5);
      for (let i = 0; i < 5; i++)
        state[row + i] = lanes[i]! ^ (~lanes[(i + 1) % 5]! & MASK & lanes[(i + 2) % 5]!);
    }
    // ι
    state[0] = state[0]! ^ rc;
  }
}

/**
 * The Keccak-256 hash of `bytes`, as `0x` and 64 hex digits.
 *
 * @example
 * ```ts
 * keccak256(new Uint8Array()); // '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
 * ```
 */
export function keccak256(bytes: Uint8Array): string {
  const blocks = Math.floor(bytes.length / RATE_BYTES) + 1;
  const padded = new Uint8Array(blocks * RATE_BYTES);
  padded.set(bytes);
  padded[bytes.length]! ^= 0x01;
  padded[padded.length - 1]! ^= 0x80;
  const state = new Array<bigint>(25).fill(0n);
  for (let offset = 0; offset < padded.length; offset += RATE_BYTES) {
    for (let lane = 0; lane < RATE_BYTES / 8; lane++) {
      let value = 0n;
      for (let b = 7; b >= 0; b--) value = (value << 8n) | BigInt(padded[offset + 8 * lane + b]!);
      state[lane] = state[lane]! ^ value;
    }
    permute(state);
  }
  let hex = '0x';
  for (let lane = 0; lane < 4; lane++)
    for (let b = 0; b < 8; b++)
      hex += Number((state[lane]! >> BigInt(8 * b)) & 0xffn)
        .toString(16)
        .padStart(2, '0');
  return hex;
}

import { lazy } from '../lazy.js';
import { SECRET_NAMES, SECRET_NAME_ENDINGS, urlRules, VERSIONED_PATH_KEY } from './rules.js';

/**
 * Secrets in names and text: which property, header and parameter names hold one, and how free
 * text (messages, URLs, header dumps, printed objects) is cleaned. The tables these apply, each
 * rule with its source, are in `rules.ts`.
 */

/** Replaces a secret. */
export const REDACTED = '[REDACTED]';

const normalise = (name: string) => name.toLowerCase().replace(/[-_\s]/g, '');
/** The name tables, normalised when the first name is checked rather than at import. */
const secretNames = /* @__PURE__ */ lazy(() => ({
  exact: new Set(SECRET_NAMES.map(normalise)),
  endings: SECRET_NAME_ENDINGS.map(normalise),
}));

/**
 * True when a property, header, query or body field of this name holds a secret
 * (`X-MBX-APIKEY`, `OK-ACCESS-SIGN`, `api_secret`, `privateKey`, `mnemonic`, …). Case and
 * `-`/`_` separators are ignored.
 *
 * @example
 * ```ts
 * isSecretName('x-bapi-sign'); // true
 * isSecretName('txHash'); // false
 * ```
 */
export function isSecretName(name: string): boolean {
  if (name.length > 80) return false;
  const key = normalise(name);
  const { exact, endings } = secretNames();
  if (exact.has(key)) return true;
  for (const ending of endings) if (key.endsWith(ending)) return true;
  return false;
}

/**
 * A label and its separator: `label: `, `label=`, `"label":"`, `'label' => '` (a printed Map),
 * `"label","` (a header array printed as JSON). A label is one word (`X-MBX-APIKEY`,
 * `DEPLOYER_PRIVATE_KEY`) or two (`private key`); whether it names a secret is decided by
 * {@link isSecretName}, so text is scanned once whatever the size of the name tables.
 */
const LABEL_AND_SEPARATOR =
  /(?<![\w-])([\w-]{1,60}(?: [\w-]{1,60})?)((?:\\?["'])?\s*(?:=>|[:=])\s*|\\?["']\s*,\s*(?=\\?["']))/g;
/** The value after a secret label, read from where the separator ends. */
const LABELLED_VALUE =
  // An opening quote, then: already redacted; a BIP-39 mnemonic written without quotes (12 to 24
  // lower-case words); inside quotes, up to the closing quote; unquoted, an optional auth scheme
  // and a token.
  /(\\?["'])?(?:\[REDACTED\]|[a-z]{3,8}(?: [a-z]{3,8}){11,23}\b|(?<=["'])[^"'\r\n\\]*|(?:(?:Bearer|Basic|Token|Digest|Bot|HMAC-SHA256|AWS4-HMAC-SHA256)\s+)?(?:\[REDACTED\]|[^\s"'&,;}\])#\\<>]+))/iy;
/** Cookie headers hold several `name=value` pairs: everything to the end of the line goes. */
const COOKIE_VALUE = /(["']?)[^"'\r\n]+/y;

function isSecretLabel(label: string): boolean {
  if (isSecretName(label)) return true;
  const space = label.indexOf(' ');
  return space !== -1 && isSecretName(label.slice(space + 1));
}

/** Replaces the value after every secret label. */
function redactLabelled(text: string): string {
  let out = '';
  let copied = 0;
  LABEL_AND_SEPARATOR.lastIndex = 0;
  for (let m = LABEL_AND_SEPARATOR.exec(text); m !== null; m = LABEL_AND_SEPARATOR.exec(text)) {
    const label = m[1]!;
    if (!isSecretLabel(label)) {
      // Keep scanning inside what followed: `https://…?signature=…` holds a label.
      LABEL_AND_SEPARATOR.lastIndex = m.index + label.length;
      continue;
    }
    const valueAt = m.index + m[0].length;
    const isCookie = /^(?:set-?)?cookie$/i.test(label);
    const value = isCookie ? COOKIE_VALUE : LABELLED_VALUE;
    value.lastIndex = valueAt;
    const v = value.exec(text);
    if (v === null || v[0] === '') {
      LABEL_AND_SEPARATOR.lastIndex = valueAt;
      continue;
    }
    out += `${text.slice(copied, valueAt)}${v[1] ?? ''}${REDACTED}`;
    copied = valueAt + v[0].length;
    LABEL_AND_SEPARATOR.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Bearer and Basic credentials wherever they appear. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+(?!\[REDACTED\])[\w.~+/=-]{6,}/g;
/** Telegram bot tokens (`123456:ABC…`) on any host (`/bot<token>/`) or on their own. */
const TELEGRAM_PATH = /\/bot\d+:[\w-]+/g;
const TELEGRAM_TOKEN = /\b\d{5,}:[\w-]{30,}/g;
/** URLs: scheme, authority, path, rest. */
const URL_IN_TEXT = /\b[a-z][a-z\d+.-]{1,15}:\/\/[^\s"'<>`\\]+/gi;
const URL_PARTS = /^([^:]+:\/\/)([^/?#]*)([^?#]*)([\s\S]*)$/;

/** Longest text looked at; the rest is cut before redaction. */
export const MAX_TEXT = 4096;

function redactUrl(url: string): string {
  const parts = URL_PARTS.exec(url);
  if (parts === null) return url;
  const [, scheme = '', authority = '', path = '', rest = ''] = parts;
  // `user:password@host`: RFC 3986 §3.2.1 userinfo.
  const at = authority.lastIndexOf('@');
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const host = hostPort.replace(/:\d+$/, '').toLowerCase();
  const rule = urlRules().find((r) => r.host.test(host));
  const kept = rule === undefined ? path : path.replace(rule.path, `$1${REDACTED}`);
  return `${scheme}${at === -1 ? '' : `${REDACTED}@`}${hostPort}${kept}${rest}`;
}

/**
 * Removes secrets from free text: URLs (userinfo, RPC provider keys in paths, Telegram bot tokens,
 * Slack and Discord webhook secrets), `Bearer …`/`Basic …`, and the value after any secret label
 * (`signature=`, `X-MBX-APIKEY: `, `"OK-ACCESS-SIGN":"…"`, `privateKey=0x…`, `mnemonic: "…"`) in
 * query strings, JSON, header dumps and printed header arrays or maps. `extra` lists literal
 * secret values to remove as well (for example the bot token an alert was configured with).
 * Text longer than 4096 characters is cut first.
 *
 * @example
 * ```ts
 * redactText('GET /api/v3/order?symbol=BTCUSDT&signature=abc123'); // '…&signature=[REDACTED]'
 * redactText('https://eth-mainnet.g.alchemy.com/v2/k3y'); // '…/v2/[REDACTED]'
 * ```
 */
export function redactText(text: string, extra?: readonly string[]): string {
  let out = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…[truncated]` : text;
  if (extra !== undefined) {
    for (const secret of extra) {
      if (typeof secret === 'string' && secret.length >= 4) out = out.split(secret).join(REDACTED);
    }
  }
  return redactLabelled(
    out
      .replace(URL_IN_TEXT, redactUrl)
      .replace(VERSIONED_PATH_KEY, `$1${REDACTED}`)
      .replace(TELEGRAM_PATH, `/bot${REDACTED}`)
      .replace(TELEGRAM_TOKEN, REDACTED)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`),
  );
}

/** Cuts text to `max` characters, marking the cut. */
export const cut = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max)}…` : text;

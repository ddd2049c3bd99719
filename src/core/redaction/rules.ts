import { lazy } from '../lazy.js';

/**
 * Where secrets live in what clients put into errors: the names of headers, query parameters,
 * body fields and properties that carry them, and the URL paths of RPC providers and webhooks
 * that hold a key. Each rule cites the documentation of the format in a comment (comments cost
 * nothing in a bundle). `redact.ts` compiles these tables into the matchers used for objects (by
 * property name) and free text (by label).
 *
 * Sources, cited by key in the comments below:
 * - [BINANCE] Binance Spot API, "Request security" (SIGNED endpoints): https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security
 * - [OKX] OKX API v5, "REST Authentication": https://www.okx.com/docs-v5/en/#overview-rest-authentication-making-requests
 * - [BYBIT] Bybit V5, "Integration Guidance / Authentication": https://bybit-exchange.github.io/docs/v5/guide#authentication
 * - [COINBASE] Coinbase Exchange REST, "Authentication": https://docs.cdp.coinbase.com/exchange/docs/rest-auth
 * - [KUCOIN] KuCoin API, "Authentication": https://www.kucoin.com/docs/basic-info/connection-method/authentication/creating-a-request
 * - [KRAKEN] Kraken Spot REST, "Authentication": https://docs.kraken.com/api/docs/guides/spot-rest-auth
 * - [BITGET] Bitget API, "Signature": https://www.bitget.com/api-doc/common/signature
 * - [MEXC] MEXC Spot V3, "SIGNED Endpoint Security": https://mexcdevelop.github.io/apidocs/spot_v3_en/#signed
 * - [BITFINEX] Bitfinex, "REST Authenticated Endpoints": https://docs.bitfinex.com/docs/rest-auth
 * - [BITMEX] BitMEX, "API Key Usage": https://www.bitmex.com/app/apiKeysUsage
 * - [HTTP-AUTH] RFC 9110 §11.6.2 Authorization, §11.7.2 Proxy-Authorization; RFC 6265 Cookie/Set-Cookie
 * - [OAUTH] RFC 6749 §4-5 (access_token, refresh_token, client_secret); RFC 6750 (Bearer)
 * - [ETHERS] ethers v6 Wallet/HDNodeWallet/Mnemonic (privateKey, mnemonic, phrase, entropy): https://docs.ethers.org/v6/api/wallet/
 * - [BIP39] BIP-39 mnemonic sentences: https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki
 * - [TELEGRAM] Telegram Bot API, "Making requests": https://core.telegram.org/bots/api#making-requests
 * - [DRPC] dRPC endpoints (dkey): https://drpc.org/docs/gettingstarted/createaccount
 * - [GITHUB-WEBHOOKS] GitHub webhooks, "Validating deliveries" (X-Hub-Signature-256): https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 *
 * Secrets are found by their names and places, never by shape alone: a 64-hex private key and a
 * transaction hash look the same, and the hash must stay readable in logs.
 */

/**
 * Exact names (headers, query parameters, body fields, properties) whose value is a secret, as
 * the venue writes them; matching ignores case and `-`/`_`/space separators. A venue's name that
 * ends with one of {@link SECRET_NAME_ENDINGS} is matched by that ending and named in the
 * comment of its group only. Each group cites its source in a comment, so the citations cost
 * nothing at run time.
 */
export const SECRET_NAMES: readonly string[] = [
  // [BINANCE] X-MBX-APIKEY and signature end with the endings `api-key` and `signature`
  // [OKX] OK-ACCESS-PASSPHRASE ends with `passphrase`
  'OK-ACCESS-KEY',
  'OK-ACCESS-SIGN',
  // [BYBIT] X-BAPI-API-KEY ends with `api-key`
  'X-BAPI-SIGN',
  // [COINBASE] CB-ACCESS-PASSPHRASE ends with `passphrase`
  'CB-ACCESS-KEY',
  'CB-ACCESS-SIGN',
  // [KUCOIN] KC-API-KEY and KC-API-PASSPHRASE end with `api-key` and `passphrase`
  'KC-API-SIGN',
  // [KRAKEN] API-Key ends with `api-key`
  'API-Sign',
  // [BITGET] ACCESS-PASSPHRASE ends with `passphrase`
  'ACCESS-KEY',
  'ACCESS-SIGN',
  // [MEXC] X-MEXC-APIKEY ends with `api-key`
  // [BITFINEX] bfx-apikey and bfx-signature end with `api-key` and `signature`
  // [BITMEX] api-signature ends with `signature`
  // [OKX] (v1 "sign" parameter); [KUCOIN]
  'sign',
  // generic short form of signature
  'sig',
  // [HTTP-AUTH]
  'Authorization',
  'Proxy-Authorization',
  'Cookie',
  'Set-Cookie',
  // [OAUTH]; access_token, refresh_token, x-access-token and x-auth-token end with
  // `access-token`, `refresh-token` and `auth-token`
  'token',
  'id_token',
  // [TELEGRAM] bot_token ends with `bot-token`
  // [DRPC]
  'dkey',
  // [GITHUB-WEBHOOKS] X-Hub-Signature ends with `signature`
  'X-Hub-Signature-256',
  // [BIP39] mnemonic is an ending
  // [ETHERS]
  'phrase',
  'entropy',
];

/**
 * Endings: any name ending with one of these carries a secret (`api_secret`, `clientSecret`,
 * `x-webhook-secret`, `X-API-KEY`, `DEPLOYER_PRIVATE_KEY`, `sessionToken`, `x-signature`).
 * Matching ignores case, and `-` in a name matches `-`, `_`, a space or nothing.
 */
export const SECRET_NAME_ENDINGS: readonly string[] = [
  // [OAUTH]; [BINANCE] (api_secret)
  'secret',
  // AWS SigV4 secret access key and similar
  'secret-key',
  // RFC 3986 §3.2.1 userinfo; any configured password
  'password',
  // RFC 3986 §3.2.1 userinfo
  'passwd',
  // [OKX]; [COINBASE]; [KUCOIN]
  'passphrase',
  // [BINANCE] (apiKey in ccxt and the binance client); [MEXC]
  'api-key',
  // [OAUTH]
  'api-token',
  'access-token',
  'refresh-token',
  'auth-token',
  // AWS STS session token
  'session-token',
  // [TELEGRAM]
  'bot-token',
  // [BINANCE]; [BITFINEX]; [BITMEX]
  'signature',
  // [ETHERS]
  'private-key',
  'priv-key',
  'signing-key',
  // [BIP39]
  'seed-phrase',
  'recovery-phrase',
  'mnemonic',
];

/** A host whose URL paths carry a key. */
export interface UrlRule {
  /** Matched against the URL's host (lower case, port removed). */
  readonly host: RegExp;
  /** Matched against the URL's path: group 1 is kept, group 2 (the secret) is redacted. */
  readonly path: RegExp;
}

/**
 * The hosts whose paths carry a key, one rule per place of the key in the path (a host and its
 * subdomains unless anchored with `^`), built when the first URL is redacted.
 */
export const urlRules = /* @__PURE__ */ lazy((): readonly UrlRule[] => [
  // The segment after a version segment:
  // - Alchemy: https://docs.alchemy.com/reference/api-overview (https://eth-mainnet.g.alchemy.com/v2/{apiKey}, /nft/v3/{apiKey}/…)
  // - Infura: https://docs.metamask.io/services/get-started/infura/ (https://mainnet.infura.io/v3/<YOUR-API-KEY>, wss://…/ws/v3/<key>)
  {
    host: /(?:^|\.)(?:alchemy(?:api)?\.(?:com|io)|infura\.io)$/,
    path: /^((?:\/[^/]+)*?\/v\d+\/)([^/]+)/,
  },
  // The first segment:
  // - QuickNode: https://www.quicknode.com/docs/ethereum/endpoint-security (https://{name}.quiknode.pro/{token}/)
  // - Chainstack: https://docs.chainstack.com/docs/manage-your-node (https://nd-123-456-789.p2pify.com/{key})
  // - GetBlock: https://docs.getblock.io/getting-started/authentication-with-access-tokens (https://go.getblock.io/{access_token}/)
  // - Blast: https://docs.blastapi.io/ (https://eth-mainnet.blastapi.io/{project-id})
  // - Tenderly: https://docs.tenderly.co/node/rpc-reference (https://mainnet.gateway.tenderly.co/{access_key})
  // - NOWNodes: https://nownodes.io/documentation (https://eth.nownodes.io/{api_key})
  {
    host: /(?:^|\.)(?:quic?knode\.pro|p2pify\.com|chainstack\.com|getblock\.io|blastapi\.io|gateway\.tenderly\.co|nownodes\.io)$/,
    path: /^(\/)([^/]+)/,
  },
  // The second segment:
  // - Ankr: https://www.ankr.com/docs/rpc-service/getting-started/basics/ (https://rpc.ankr.com/eth/{your_token}), that host only
  // - Moralis: https://docs.moralis.com/rpc-nodes (https://site1.moralis-nodes.com/eth/{key})
  // - dRPC: [DRPC] (https://lb.drpc.org/{chain}/{dkey}; ?dkey= is a secret name)
  {
    host: /^rpc\.ankr\.com$|(?:^|\.)(?:moralis-nodes\.com|drpc\.org)$/,
    path: /^(\/[^/]+\/)([^/]+)/,
  },
  // Pocket: https://docs.pokt.network/ (https://eth-mainnet.gateway.pokt.network/v1/lb/{app-id})
  { host: /(?:^|\.)pokt\.network$/, path: /^(\/v1\/lb\/)([^/]+)/ },
  // Telegram: [TELEGRAM]
  { host: /^api\.telegram\.org$/, path: /^(\/(?:file\/)?bot)([^/]+)/ },
  // Slack incoming webhooks: https://api.slack.com/messaging/webhooks (https://hooks.slack.com/services/T…/B…/{secret})
  { host: /^hooks\.slack\.com$/, path: /^(\/services\/[^/]+\/)(.+)$/ },
  // Discord webhooks: https://discord.com/developers/docs/resources/webhook#execute-webhook (/api/webhooks/{id}/{token})
  { host: /(?:^|\.)discord(?:app)?\.com$/, path: /^(\/api(?:\/v\d+)?\/webhooks\/[^/]+\/)([^/]+)/ },
]);

/**
 * Any host: a long opaque segment right after a version segment (`/v2/<key>`, `/v3/<key>`) is
 * how Alchemy, Infura and their peers put keys in paths, so it is redacted wherever the host is
 * (self-hosted gateways, proxies, local test servers). Route names (`/api/v3/exchangeInfo`) are
 * shorter and have no digit; a `0x` value (a hash or an address) is never taken for a key.
 */
export const VERSIONED_PATH_KEY =
  /(\/v\d+\/)(?!0x)(?=[\w-]*\d)(?=[\w-]*[A-Za-z])([\w-]{20,})(?=[/?#\s"'\\]|$)/g;

/**
 * Where secrets live in what clients put into errors: the names of headers, query parameters,
 * body fields and properties that carry them, and the URL paths of RPC providers and webhooks
 * that hold a key. Each rule cites the documentation of the format. `redact.ts` compiles these
 * tables into the matchers used for objects (by property name) and free text (by label).
 *
 * Secrets are found by their names and places, never by shape alone: a 64-hex private key and a
 * transaction hash look the same, and the hash must stay readable in logs.
 */

/** A name (header, query parameter, body field or property) whose value is a secret. */
export interface SecretName {
  /** As the venue writes it; matching ignores case and `-`/`_`/space separators. */
  readonly name: string;
  readonly source: string;
}

const BINANCE =
  'Binance Spot API, "Request security" (SIGNED endpoints): https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security';
const OKX =
  'OKX API v5, "REST Authentication": https://www.okx.com/docs-v5/en/#overview-rest-authentication-making-requests';
const BYBIT =
  'Bybit V5, "Integration Guidance / Authentication": https://bybit-exchange.github.io/docs/v5/guide#authentication';
const COINBASE =
  'Coinbase Exchange REST, "Authentication": https://docs.cdp.coinbase.com/exchange/docs/rest-auth';
const KUCOIN =
  'KuCoin API, "Authentication": https://www.kucoin.com/docs/basic-info/connection-method/authentication/creating-a-request';
const KRAKEN =
  'Kraken Spot REST, "Authentication": https://docs.kraken.com/api/docs/guides/spot-rest-auth';
const BITGET = 'Bitget API, "Signature": https://www.bitget.com/api-doc/common/signature';
const MEXC =
  'MEXC Spot V3, "SIGNED Endpoint Security": https://mexcdevelop.github.io/apidocs/spot_v3_en/#signed';
const BITFINEX =
  'Bitfinex, "REST Authenticated Endpoints": https://docs.bitfinex.com/docs/rest-auth';
const BITMEX = 'BitMEX, "API Key Usage": https://www.bitmex.com/app/apiKeysUsage';
const HTTP_AUTH =
  'RFC 9110 §11.6.2 Authorization, §11.7.2 Proxy-Authorization; RFC 6265 Cookie/Set-Cookie';
const OAUTH = 'RFC 6749 §4-5 (access_token, refresh_token, client_secret); RFC 6750 (Bearer)';
const ETHERS =
  'ethers v6 Wallet/HDNodeWallet/Mnemonic (privateKey, mnemonic, phrase, entropy): https://docs.ethers.org/v6/api/wallet/';
const BIP39 =
  'BIP-39 mnemonic sentences: https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki';
const TELEGRAM =
  'Telegram Bot API, "Making requests": https://core.telegram.org/bots/api#making-requests';
const DRPC = 'dRPC endpoints (dkey): https://drpc.org/docs/gettingstarted/createaccount';
const GITHUB_WEBHOOKS =
  'GitHub webhooks, "Validating deliveries" (X-Hub-Signature-256): https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries';

/** Exact names. */
export const SECRET_NAMES: readonly SecretName[] = [
  { name: 'X-MBX-APIKEY', source: BINANCE },
  { name: 'signature', source: BINANCE },
  { name: 'OK-ACCESS-KEY', source: OKX },
  { name: 'OK-ACCESS-SIGN', source: OKX },
  { name: 'OK-ACCESS-PASSPHRASE', source: OKX },
  { name: 'X-BAPI-API-KEY', source: BYBIT },
  { name: 'X-BAPI-SIGN', source: BYBIT },
  { name: 'CB-ACCESS-KEY', source: COINBASE },
  { name: 'CB-ACCESS-SIGN', source: COINBASE },
  { name: 'CB-ACCESS-PASSPHRASE', source: COINBASE },
  { name: 'KC-API-KEY', source: KUCOIN },
  { name: 'KC-API-SIGN', source: KUCOIN },
  { name: 'KC-API-PASSPHRASE', source: KUCOIN },
  { name: 'API-Key', source: KRAKEN },
  { name: 'API-Sign', source: KRAKEN },
  { name: 'ACCESS-KEY', source: BITGET },
  { name: 'ACCESS-SIGN', source: BITGET },
  { name: 'ACCESS-PASSPHRASE', source: BITGET },
  { name: 'X-MEXC-APIKEY', source: MEXC },
  { name: 'bfx-apikey', source: BITFINEX },
  { name: 'bfx-signature', source: BITFINEX },
  { name: 'api-signature', source: BITMEX },
  { name: 'sign', source: `${OKX} (v1 "sign" parameter); ${KUCOIN}` },
  { name: 'sig', source: 'generic short form of signature' },
  { name: 'Authorization', source: HTTP_AUTH },
  { name: 'Proxy-Authorization', source: HTTP_AUTH },
  { name: 'Cookie', source: HTTP_AUTH },
  { name: 'Set-Cookie', source: HTTP_AUTH },
  { name: 'token', source: OAUTH },
  { name: 'access_token', source: OAUTH },
  { name: 'refresh_token', source: OAUTH },
  { name: 'id_token', source: OAUTH },
  { name: 'x-auth-token', source: OAUTH },
  { name: 'x-access-token', source: OAUTH },
  { name: 'bot_token', source: TELEGRAM },
  { name: 'dkey', source: DRPC },
  { name: 'X-Hub-Signature-256', source: GITHUB_WEBHOOKS },
  { name: 'X-Hub-Signature', source: GITHUB_WEBHOOKS },
  { name: 'mnemonic', source: BIP39 },
  { name: 'phrase', source: ETHERS },
  { name: 'entropy', source: ETHERS },
];

/**
 * Endings: any name ending with one of these carries a secret (`api_secret`, `clientSecret`,
 * `x-webhook-secret`, `X-API-KEY`, `DEPLOYER_PRIVATE_KEY`, `sessionToken`, `x-signature`).
 * Matching ignores case, and `-` in a name matches `-`, `_`, a space or nothing.
 */
export const SECRET_NAME_ENDINGS: readonly SecretName[] = [
  { name: 'secret', source: `${OAUTH}; ${BINANCE} (api_secret)` },
  { name: 'secret-key', source: 'AWS SigV4 secret access key and similar' },
  { name: 'password', source: 'RFC 3986 §3.2.1 userinfo; any configured password' },
  { name: 'passwd', source: 'RFC 3986 §3.2.1 userinfo' },
  { name: 'passphrase', source: `${OKX}; ${COINBASE}; ${KUCOIN}` },
  { name: 'api-key', source: `${BINANCE} (apiKey in ccxt and the binance client); ${MEXC}` },
  { name: 'api-token', source: OAUTH },
  { name: 'access-token', source: OAUTH },
  { name: 'refresh-token', source: OAUTH },
  { name: 'auth-token', source: OAUTH },
  { name: 'session-token', source: 'AWS STS session token' },
  { name: 'bot-token', source: TELEGRAM },
  { name: 'signature', source: `${BINANCE}; ${BITFINEX}; ${BITMEX}` },
  { name: 'private-key', source: ETHERS },
  { name: 'priv-key', source: ETHERS },
  { name: 'signing-key', source: ETHERS },
  { name: 'seed-phrase', source: BIP39 },
  { name: 'recovery-phrase', source: BIP39 },
  { name: 'mnemonic', source: BIP39 },
];

/** Path shapes shared by several providers: group 1 is kept, group 2 is the secret. */
const AFTER_VERSION = /^((?:\/[^/]+)*?\/v\d+\/)([^/]+)/;
const FIRST_SEGMENT = /^(\/)([^/]+)/;
const SECOND_SEGMENT = /^(\/[^/]+\/)([^/]+)/;

/** A host whose URL paths carry a key. */
export interface UrlRule {
  readonly provider: string;
  /** Matched against the URL's host (lower case, port removed). */
  readonly host: RegExp;
  /** Matched against the URL's path: group 1 is kept, group 2 (the secret) is redacted. */
  readonly path: RegExp;
  readonly source: string;
}

export const URL_RULES: readonly UrlRule[] = [
  {
    provider: 'Alchemy',
    host: /(?:^|\.)alchemy(?:api)?\.(?:com|io)$/,
    path: AFTER_VERSION,
    source:
      'https://docs.alchemy.com/reference/api-overview (https://eth-mainnet.g.alchemy.com/v2/{apiKey}, /nft/v3/{apiKey}/…)',
  },
  {
    provider: 'Infura',
    host: /(?:^|\.)infura\.io$/,
    path: AFTER_VERSION,
    source:
      'https://docs.metamask.io/services/get-started/infura/ (https://mainnet.infura.io/v3/<YOUR-API-KEY>, wss://…/ws/v3/<key>)',
  },
  {
    provider: 'QuickNode',
    host: /(?:^|\.)(?:quiknode|quicknode)\.pro$/,
    path: FIRST_SEGMENT,
    source:
      'https://www.quicknode.com/docs/ethereum/endpoint-security (https://{name}.quiknode.pro/{token}/)',
  },
  {
    provider: 'Ankr',
    host: /^rpc\.ankr\.com$/,
    path: SECOND_SEGMENT,
    source:
      'https://www.ankr.com/docs/rpc-service/getting-started/basics/ (https://rpc.ankr.com/eth/{your_token})',
  },
  {
    provider: 'Chainstack',
    host: /(?:^|\.)(?:p2pify\.com|chainstack\.com)$/,
    path: FIRST_SEGMENT,
    source:
      'https://docs.chainstack.com/docs/manage-your-node (https://nd-123-456-789.p2pify.com/{key})',
  },
  {
    provider: 'GetBlock',
    host: /(?:^|\.)getblock\.io$/,
    path: FIRST_SEGMENT,
    source:
      'https://docs.getblock.io/getting-started/authentication-with-access-tokens (https://go.getblock.io/{access_token}/)',
  },
  {
    provider: 'Blast',
    host: /(?:^|\.)blastapi\.io$/,
    path: FIRST_SEGMENT,
    source: 'https://docs.blastapi.io/ (https://eth-mainnet.blastapi.io/{project-id})',
  },
  {
    provider: 'Tenderly',
    host: /(?:^|\.)gateway\.tenderly\.co$/,
    path: FIRST_SEGMENT,
    source:
      'https://docs.tenderly.co/node/rpc-reference (https://mainnet.gateway.tenderly.co/{access_key})',
  },
  {
    provider: 'NOWNodes',
    host: /(?:^|\.)nownodes\.io$/,
    path: FIRST_SEGMENT,
    source: 'https://nownodes.io/documentation (https://eth.nownodes.io/{api_key})',
  },
  {
    provider: 'Moralis',
    host: /(?:^|\.)moralis-nodes\.com$/,
    path: SECOND_SEGMENT,
    source: 'https://docs.moralis.com/rpc-nodes (https://site1.moralis-nodes.com/eth/{key})',
  },
  {
    provider: 'dRPC',
    host: /(?:^|\.)drpc\.org$/,
    path: SECOND_SEGMENT,
    source: `${DRPC} (https://lb.drpc.org/{chain}/{dkey}; ?dkey= is a secret name)`,
  },
  {
    provider: 'Pocket',
    host: /(?:^|\.)pokt\.network$/,
    path: /^(\/v1\/lb\/)([^/]+)/,
    source: 'https://docs.pokt.network/ (https://eth-mainnet.gateway.pokt.network/v1/lb/{app-id})',
  },
  {
    provider: 'Telegram',
    host: /^api\.telegram\.org$/,
    path: /^(\/(?:file\/)?bot)([^/]+)/,
    source: TELEGRAM,
  },
  {
    provider: 'Slack incoming webhooks',
    host: /^hooks\.slack\.com$/,
    path: /^(\/services\/[^/]+\/)(.+)$/,
    source:
      'https://api.slack.com/messaging/webhooks (https://hooks.slack.com/services/T…/B…/{secret})',
  },
  {
    provider: 'Discord webhooks',
    host: /(?:^|\.)discord(?:app)?\.com$/,
    path: /^(\/api(?:\/v\d+)?\/webhooks\/[^/]+\/)([^/]+)/,
    source:
      'https://discord.com/developers/docs/resources/webhook#execute-webhook (/api/webhooks/{id}/{token})',
  },
];

/**
 * Any host: a long opaque segment right after a version segment (`/v2/<key>`, `/v3/<key>`) is
 * how Alchemy, Infura and their peers put keys in paths, so it is redacted wherever the host is
 * (self-hosted gateways, proxies, local test servers). Route names (`/api/v3/exchangeInfo`) are
 * shorter and have no digit; a `0x` value (a hash or an address) is never taken for a key.
 */
export const VERSIONED_PATH_KEY =
  /(\/v\d+\/)(?!0x)(?=[\w-]*\d)(?=[\w-]*[A-Za-z])([\w-]{20,})(?=[/?#\s"'\\]|$)/g;

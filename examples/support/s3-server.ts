import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.js';

/**
 * A small S3 on 127.0.0.1 for the AWS examples and tests: path-style addressing
 * (`/<bucket>/<key>`), S3's REST operations for objects and multipart uploads, and S3's XML
 * error protocol, so that the real `@aws-sdk/client-s3` talks to it and raises its real
 * exceptions. It checks no signature. Faults are injected per operation and requests are
 * counted per operation, server-side. Nothing leaves the machine.
 *
 * Sources: Amazon S3 API Reference, "Error responses" (the `<Error><Code>…` body, and the codes,
 * statuses and messages below) and the operations' pages (PutObject, GetObject, HeadObject,
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload,
 * DeleteObject).
 */

/** The S3 operations the server knows, named as in the S3 API Reference. */
export type S3Operation =
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'Unknown';

/** S3 error codes with their documented HTTP status and message (S3 "Error responses"). */
export const S3_ERRORS = {
  SlowDown: { status: 503, message: 'Please reduce your request rate.' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  RequestTimeout: {
    status: 400,
    message:
      'Your socket connection to the server was not read from or written to within the timeout period.',
  },
  ServiceUnavailable: { status: 503, message: 'Reduce your request rate.' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchUpload: {
    status: 404,
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  },
  AccessDenied: { status: 403, message: 'Access Denied' },
  ExpiredToken: { status: 400, message: 'The provided token has expired.' },
} as const;

export type S3ErrorCode = keyof typeof S3_ERRORS;

/**
 * What the server does instead of the operation:
 * - an error code: answers with that code's status and XML error body;
 * - `{ code, retryAfterSeconds }`: the same, with a `Retry-After` header;
 * - `{ errorIn200: code }`: answers `200 OK` whose body is an `<Error>` (S3 does this for
 *   CompleteMultipartUpload and CopyObject: "a 200 OK response can contain either a success or
 *   an error", CompleteMultipartUpload page);
 * - `'reset'`: reads part of the request body, then destroys the connection: no response.
 * - `{ lostResponse: true }`: performs the operation, then destroys the connection before
 *   answering (the client cannot tell this from `'reset'`).
 */
export type S3Fault =
  | S3ErrorCode
  | { code: S3ErrorCode; retryAfterSeconds: number }
  | { errorIn200: S3ErrorCode }
  | 'reset'
  | { lostResponse: true };

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: the client's `endpoint`, with `forcePathStyle: true`. */
  url: string;
  /** Answers the next `times` requests of `operation` with `fault`, after earlier injections. */
  inject(operation: S3Operation, fault: S3Fault, times?: number): void;
  /** Requests received, per operation (a reset request counts: it reached the server). */
  count(operation: S3Operation): number;
  /** Every request received, as `Operation /bucket/key`, in order. */
  requests: string[];
  /** Stored objects by `bucket/key`. */
  objects: Map<string, Buffer>;
  close(): Promise<void>;
}

interface Upload {
  key: string;
  parts: Map<number, Buffer>;
}

/** The operation a path-style request asks for (S3 API Reference, each operation's "Request Syntax"). */
function operationOf(method: string, key: string, query: URLSearchParams): S3Operation {
  if (key === '') return 'Unknown';
  switch (method) {
    case 'PUT':
      return query.has('partNumber') && query.has('uploadId') ? 'UploadPart' : 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return query.has('uploadId') ? 'CompleteMultipartUpload' : 'Unknown';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      return 'Unknown';
  }
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const etagOf = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

function errorBody(code: S3ErrorCode, resource: string, requestId: string): string {
  return xml(
    `<Error><Code>${code}</Code><Message>${escape(S3_ERRORS[code].message)}</Message>` +
      `<Resource>${escape(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`,
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  // The SDK sends a streaming body with a trailing checksum as `aws-chunked`
  // (`<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n<trailers>\r\n\r\n`).
  return String(req.headers['content-encoding'] ?? '').includes('aws-chunked')
    ? decodeAwsChunked(raw)
    : raw;
}

function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * Starts the server. Buckets need not be created: any bucket name exists.
 *
 * @example
 * ```ts
 * const s3 = await startLocalS3();
 * s3.inject('PutObject', 'SlowDown');
 * const client = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: 'us-east-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
 * ```
 */
export async function startLocalS3(): Promise<LocalS3> {
  const faults = new Map<S3Operation, S3Fault[]>();
  const counts = new Map<S3Operation, number>();
  const requests: string[] = [];
  const objects = new Map<string, Buffer>();
  const uploads = new Map<string, Upload>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const operation = operationOf(method, key, url.searchParams);
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    requests.push(`${operation} /${bucket}/${key}`);
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const resource = `/${bucket}/${key}`;

    const fault = faults.get(operation)?.shift();
    if (fault === 'reset') {
      // Part of the body arrives, then the connection dies: the client gets no answer.
      req.once('data', () => req.socket.destroy());
      req.once('end', () => req.socket.destroy());
      return;
    }
    const sendError = (code: S3ErrorCode, status: number = S3_ERRORS[code].status, extra = {}) => {
      const body = method === 'HEAD' ? '' : errorBody(code, resource, requestId);
      res.writeHead(status, {
        'content-type': 'application/xml',
        'x-amz-request-id': requestId,
        ...extra,
      });
      res.end(body);
    };
    const body = await readBody(req);
    if (typeof fault === 'string') return sendError(fault);
    if (fault !== undefined && 'code' in fault) {
      return sendError(fault.code, undefined, { 'retry-after': String(fault.retryAfterSeconds) });
    }
    if (fault !== undefined && 'errorIn200' in fault) return sendError(fault.errorIn200, 200);

    const reply = (status: number, headers: Record<string, string>, payload: string | Buffer) => {
      if (fault !== undefined && 'lostResponse' in fault) {
        req.socket.destroy();
        return;
      }
      res.writeHead(status, { 'x-amz-request-id': requestId, ...headers });
      res.end(method === 'HEAD' ? undefined : payload);
    };
    const objectKey = `${bucket}/${key}`;

    switch (operation) {
      case 'PutObject':
        objects.set(objectKey, body);
        return reply(200, { etag: etagOf(body) }, '');
      case 'GetObject':
      case 'HeadObject': {
        const object = objects.get(objectKey);
        if (object === undefined) return sendError('NoSuchKey');
        return reply(
          200,
          {
            etag: etagOf(object),
            'content-type': 'application/octet-stream',
            'content-length': String(object.length),
            'last-modified': new Date(0).toUTCString(),
          },
          object,
        );
      }
      case 'DeleteObject':
        objects.delete(objectKey);
        return reply(204, {}, '');
      case 'CreateMultipartUpload': {
        const uploadId = randomBytes(12).toString('hex');
        uploads.set(uploadId, { key: objectKey, parts: new Map() });
        return reply(
          200,
          { 'content-type': 'application/xml' },
          xml(
            `<InitiateMultipartUploadResult><Bucket>${escape(bucket)}</Bucket><Key>${escape(key)}</Key>` +
              `<UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
          ),
        );
      }
      case 'UploadPart': {
        const upload = uploads.get(url.searchParams.get('uploadId')!);
        if (upload === undefined) return sendError('NoSuchUpload');
        upload.parts.set(Number(url.searchParams.get('partNumber')), body);
        return reply(200, { etag: etagOf(body) }, '');
      }
      case 'CompleteMultipartUpload': {
        const uploadId = url.searchParams.get('uploadId')!;
        const upload = uploads.get(uploadId);
        // Completed or aborted uploads are gone: a second Complete gets NoSuchUpload.
        if (upload === undefined) return sendError('NoSuchUpload');
        const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)];
        const object = Buffer.concat(numbers.map(([, n]) => upload.parts.get(Number(n))!));
        objects.set(upload.key, object);
        uploads.delete(uploadId);
        const etag = `"${createHash('md5').update(object).digest('hex')}-${numbers.length}"`;
        return reply(
          200,
          { 'content-type': 'application/xml' },
          xml(
            `<CompleteMultipartUploadResult><Location>${url.origin}${resource}</Location>` +
              `<Bucket>${escape(bucket)}</Bucket><Key>${escape(key)}</Key>` +
              `<ETag>${escape(etag)}</ETag></CompleteMultipartUploadResult>`,
          ),
        );
      }
      case 'AbortMultipartUpload':
        uploads.delete(url.searchParams.get('uploadId')!);
        return reply(204, {}, '');
      default:
        res.writeHead(501, { 'content-type': 'application/xml' });
        res.end(
          xml('<Error><Code>NotImplemented</Code><Message>Not implemented</Message></Error>'),
        );
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    inject(operation, fault, times = 1) {
      const queue = faults.get(operation) ?? [];
      for (let i = 0; i < times; i++) queue.push(fault);
      faults.set(operation, queue);
    },
    count: (operation) => counts.get(operation) ?? 0,
    requests,
    objects,
    close,
  };
}

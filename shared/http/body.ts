import type { HttpRequest } from '@azure/functions';
import { HttpError } from './api-error';
import { MAX_JSON_DEPTH, jsonDeeperThan } from './json-depth';

/** Admin bodies are small configuration documents; anything bigger is a mistake or an attack. */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads the request body as JSON: 415 unless the Content-Type is JSON
 * (`application/json`, or `application/merge-patch+json` and other `+json` types),
 * 413 when larger than `maxBytes`, 400 when empty, malformed or nested deeper than
 * `MAX_JSON_DEPTH` (checked before parsing, see json-depth.ts). The parser's own message
 * is not passed on: V8 quotes the offending input in it, which may be a password.
 */
export async function readJsonBody(request: HttpRequest, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `the body must be JSON (Content-Type: application/json)${type ? `, not ${type.split(';')[0]}` : ''}`);
  }
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readLimited(request, maxBytes);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.trim() === '') throw new HttpError(400, 'malformed_json', 'the request body is empty; a JSON document is required');
  if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'json_too_deep', `the request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const position = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new HttpError(400, 'malformed_json', `the request body is not valid JSON${position ? ` (error at character ${position})` : ''}`);
  }
}

/**
 * Reads the request body as bytes (e.g. an uploaded .eml): 415 unless the Content-Type's
 * media type is one of `contentTypes`, 413 when larger than `maxBytes`, 400 when empty.
 */
export async function readRawBody(request: HttpRequest, maxBytes: number, contentTypes: readonly string[]): Promise<Buffer> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!contentTypes.some((t) => t.toLowerCase() === type)) {
    throw new HttpError(415, 'unsupported_media_type', `the body must be one of ${contentTypes.join(', ')}${type ? `, not ${type}` : ''}`);
  }
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = Buffer.from(await readLimited(request, maxBytes));
  if (bytes.length === 0) throw new HttpError(400, 'empty_body', 'the request body is empty');
  return bytes;
}

async function readLimited(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  const body = request.body;
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `the request body is larger than ${Math.round(maxBytes / 1024)} KiB`);
}

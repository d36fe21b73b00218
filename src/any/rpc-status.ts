/**
 * `google.rpc.Status` and `google.rpc.RetryInfo` (what a failed RPC carries, whatever
 * the transport), the protobufjs wire shapes of Any, Status and Duration, and byte
 * helpers: the transport-neutral pieces that the gRPC codec, the retry, the poll loop
 * and the handle's normalization share.
 *
 * @internal
 * @module
 */
import type protobuf from 'protobufjs';
import type { Any, Status } from '../types.js';
import { wellKnownType } from './well-known.js';

/** An Any as protobufjs produces and accepts it. @internal */
export interface WireAny { type_url?: string; typeUrl?: string; value?: Uint8Array | null }
/** A `google.rpc.Status` as protobufjs produces and accepts it. @internal */
export interface WireStatus { code?: number; message?: string; details?: WireAny[] | null }
/** A `google.protobuf.Duration` as protobufjs produces and accepts it. @internal */
export interface WireDuration { seconds?: number | string | { toNumber(): number }; nanos?: number }

let cachedTypes: { status: protobuf.Type; retryInfo: protobuf.Type } | undefined;

/** The google.rpc types, from the descriptors bundled in code (no file system: browser-safe). */
function types() {
  cachedTypes ??= { status: wellKnownType('google.rpc.Status')!, retryInfo: wellKnownType('google.rpc.RetryInfo')! };
  return cachedTypes;
}

/** A byte view that is a plain Uint8Array (a Buffer is re-viewed, not copied). */
export function asUint8Array(bytes: Uint8Array | null | undefined): Uint8Array {
  if (!bytes) return new Uint8Array(0);
  if (Object.getPrototypeOf(bytes) === Uint8Array.prototype) return bytes;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes a message of `type` into a plain Uint8Array view (no copy). @internal */
export function encodeMessage(type: protobuf.Type, value: object): Uint8Array {
  return asUint8Array(type.encode(value).finish());
}

/** An Any from its protobufjs shape (`type_url`, or `typeUrl`). @internal */
export function anyFromWire(any: WireAny): Any {
  return { typeUrl: any.type_url ?? any.typeUrl ?? '', value: asUint8Array(any.value) };
}

/** An Any in its protobufjs shape (`type_url`). @internal */
export function anyToWire(any: Any): WireAny {
  return { type_url: any.typeUrl, value: any.value };
}

/** A `google.rpc.Status` from its protobufjs shape. @internal */
export function statusFromWire(status: WireStatus): Status {
  return {
    code: status.code ?? 0,
    message: status.message ?? '',
    details: (status.details ?? []).map(anyFromWire),
  };
}

/** A `google.rpc.Status` in its protobufjs shape. @internal */
export function statusToWire(status: Status): WireStatus {
  return { code: status.code, message: status.message, details: status.details.map(anyToWire) };
}

/** A `google.protobuf.Duration` in milliseconds. @internal */
export function durationToMs(duration: WireDuration | null | undefined): number | undefined {
  if (!duration) return undefined;
  const seconds = duration.seconds;
  const secondsNumber = typeof seconds === 'object' ? seconds.toNumber() : Number(seconds ?? 0);
  return secondsNumber * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}

/**
 * The longest `google.protobuf.Duration` (315,576,000,000 s, about 10,000 years), in
 * ms. Longer waits, `Infinity` included, are sent as this: the longest wait a request
 * can express, and no server holds a call that long.
 */
const MAX_DURATION_MS = 315_576_000_000_000;

/** Milliseconds as a `google.protobuf.Duration`, capped at the longest one. @internal */
export function msToDuration(ms: number): WireDuration {
  if (ms >= MAX_DURATION_MS) return { seconds: MAX_DURATION_MS / 1000, nanos: 0 };
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** Encodes a `google.rpc.Status`. @internal */
export function encodeStatusBytes(status: Status): Uint8Array {
  return encodeMessage(types().status, statusToWire(status));
}

/** Decodes a `google.rpc.Status`. Throws on malformed bytes. @internal */
export function decodeStatus(bytes: Uint8Array): Status {
  return statusFromWire(types().status.decode(bytes) as WireStatus);
}

/** The type URL of `google.rpc.RetryInfo`. @internal */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Encodes a `google.rpc.RetryInfo` asking for the given delay. @internal */
export function encodeRetryInfo(retryDelayMs: number): Any {
  return {
    typeUrl: RETRY_INFO_TYPE_URL,
    value: encodeMessage(types().retryInfo, { retry_delay: msToDuration(retryDelayMs) }),
  };
}

/**
 * The delay a server asked for in a `google.rpc.RetryInfo` detail, in milliseconds;
 * undefined when there is none or it does not decode.
 *
 * @internal
 */
export function retryDelayFromDetails(details: readonly Any[]): number | undefined {
  for (const detail of details) {
    if (!detail.typeUrl.endsWith('/google.rpc.RetryInfo')) continue;
    try {
      // Proto field names: the bundled descriptor keeps `retry_delay`.
      const info = types().retryInfo.decode(detail.value) as { retry_delay?: WireDuration | null };
      const ms = durationToMs(info.retry_delay);
      if (ms !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
    } catch {
      // A malformed detail is ignored: the client's own backoff still applies.
    }
  }
  return undefined;
}

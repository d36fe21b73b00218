/**
 * What every command works with: the I/O streams, the parsed common flags, the client
 * and the decoder, and how results and errors are written (human text or one JSON
 * document).
 *
 * @internal
 * @module
 */
import { OperationFailedError, PollTimeoutError, RpcError, codeName, type Operation, type OperationsClient } from '../index.js';
import { connect, loadTypes, resolveEndpoint } from './connect.js';
import { errorKind, errorMessage, exitCodeFor, InterruptedError, UsageError } from './exit-codes.js';
import { AnyDecoder } from './render.js';

/**
 * The process as the CLI sees it; tests pass their own.
 *
 * @internal
 */
export interface CliIo {
  /** Results: human text, progress, or the one JSON document. */
  readonly stdout: NodeJS.WritableStream;
  /** Error lines (and stack traces with `--debug`). */
  readonly stderr: NodeJS.WritableStream;
  /** Whether stdout is a terminal: live bars instead of plain lines. */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal: status lines (what a wait is waiting for) go there. */
  readonly stderrIsTTY?: boolean | undefined;
  /** Environment variables (`LONGRUNNING_ADDRESS`, `LONGRUNNING_BASE_URL`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT: waits, calls and the demo stop, and the CLI exits 130. */
  readonly signal?: AbortSignal | undefined;
}

/** The common flags as commander returns them: absent when not given. @internal */
export interface ParsedFlags {
  readonly address?: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly ca?: string | undefined;
  readonly httpRules?: string | undefined;
  readonly header?: string[] | undefined;
  readonly proto?: string[] | undefined;
  readonly include?: string[] | undefined;
  readonly json?: boolean | undefined;
  /** Milliseconds, already validated. */
  readonly timeout?: number | undefined;
  readonly debug?: boolean | undefined;
}

/** The common flags with their defaults applied. @internal */
export interface GlobalFlags {
  readonly address: string | undefined;
  readonly baseUrl: string | undefined;
  readonly insecure: boolean;
  readonly ca: string | undefined;
  readonly httpRules: string | undefined;
  readonly header: readonly string[];
  readonly proto: readonly string[];
  readonly include: readonly string[];
  readonly json: boolean;
  readonly timeout: number | undefined;
  readonly debug: boolean;
}

/** Flags that name the expected response and metadata types. @internal */
export interface TypeFlags {
  readonly method?: string;
  readonly responseType?: string;
  readonly metadataType?: string;
}

/**
 * One command run: writes output, reports errors, owns the client.
 *
 * @internal
 */
export class Session {
  readonly io: CliIo;
  readonly flags: GlobalFlags;
  #client: OperationsClient | undefined;

  constructor(io: CliIo, flags: ParsedFlags) {
    this.io = io;
    this.flags = {
      address: flags.address,
      baseUrl: flags.baseUrl,
      insecure: flags.insecure ?? false,
      ca: flags.ca,
      httpRules: flags.httpRules,
      header: flags.header ?? [],
      proto: flags.proto ?? [],
      include: flags.include ?? [],
      json: flags.json ?? false,
      timeout: flags.timeout,
      debug: flags.debug ?? false,
    };
  }

  /** Whether output is one JSON document. */
  get json(): boolean {
    return this.flags.json;
  }

  /** Call options for one RPC: the interrupt signal and `--timeout`. */
  get callOptions(): { signal?: AbortSignal; timeoutMs?: number } {
    return {
      ...(this.io.signal === undefined ? {} : { signal: this.io.signal }),
      ...(this.flags.timeout === undefined ? {} : { timeoutMs: this.flags.timeout }),
    };
  }

  /**
   * Loads the types and connects: gRPC at `--address`, HTTP/JSON at `--base-url`, else
   * at `LONGRUNNING_ADDRESS` or `LONGRUNNING_BASE_URL` (see {@link resolveEndpoint}).
   */
  async open(typeFlags: TypeFlags = {}): Promise<{ client: OperationsClient; decoder: AnyDecoder }> {
    const types = await loadTypes(this.flags.proto, this.flags.include);
    const expected: { responseType?: string; metadataType?: string } = {};
    if (typeFlags.method !== undefined) {
      if (this.flags.proto.length === 0) throw new UsageError('--method needs --proto: its operation_info is read from the .proto files');
      Object.assign(expected, types.operationInfo(typeFlags.method));
    }
    for (const [flag, key] of [['--response-type', 'responseType'], ['--metadata-type', 'metadataType']] as const) {
      const name = typeFlags[key];
      if (name === undefined) continue;
      if (!types.has(name)) throw new UsageError(`${flag} ${name}: no such message type is known; load its .proto with --proto`);
      expected[key] = name;
    }
    const client = await connect({
      address: this.flags.address,
      baseUrl: this.flags.baseUrl,
      insecure: this.flags.insecure,
      ca: this.flags.ca,
      httpRules: this.flags.httpRules,
      headers: this.flags.header,
    }, types, this.io.env, (skipped) => this.debugLine(`--http-rules: skipped ${skipped} rule(s) of other APIs`));
    this.#client = client;
    return { client, decoder: new AnyDecoder(types, expected) };
  }

  /** Closes the client, if one was opened. */
  async close(): Promise<void> {
    await this.#client?.close();
  }

  /** Writes human output to stdout. */
  print(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes the one JSON document to stdout. */
  printJson(document: unknown): void {
    this.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }

  /** Where the client connects: the address or base URL, for status lines; undefined when not resolvable. */
  get target(): string | undefined {
    try {
      const endpoint = resolveEndpoint(this.flags, this.io.env);
      return endpoint.transport === 'grpc' ? endpoint.address : endpoint.baseUrl;
    } catch {
      return undefined;
    }
  }

  /**
   * A status line on stderr (`longrunning: <text>`) for a person watching: written when
   * stderr is a terminal or with `--debug`, never into a pipe a script reads.
   */
  status(text: string): void {
    if (this.flags.debug || this.io.stderrIsTTY === true) this.io.stderr.write(`longrunning: ${text}\n`);
  }

  /** A `--debug` line on stderr. */
  debugLine(text: string): void {
    if (this.flags.debug) this.io.stderr.write(`longrunning: ${text}\n`);
  }

  /** Writes `longrunning: <message>` to stderr, and the stack with `--debug`. */
  errorLine(error: unknown): void {
    this.io.stderr.write(`longrunning: ${errorMessage(error)}\n`);
    if (this.flags.debug && error instanceof Error && error.stack !== undefined) {
      this.io.stderr.write(`${error.stack}\n`);
      if (error.cause instanceof Error && error.cause.stack !== undefined) this.io.stderr.write(`Caused by: ${error.cause.stack}\n`);
    }
  }

  /**
   * Reports an error that ended the command and returns the exit code: one line on
   * stderr, and with `--json` a JSON error document on stdout (with the operation as
   * last seen, when known).
   */
  fail(failure: unknown, decoder?: AnyDecoder, latest?: Operation): number {
    // After Ctrl-C, whatever the interrupted call rejected with, the outcome is the interrupt.
    const error = this.io.signal?.aborted === true ? new InterruptedError() : failure;
    const exitCode = exitCodeFor(error);
    this.errorLine(error);
    if (this.json) {
      const document: Record<string, unknown> = { error: errorJson(error, exitCode, decoder) };
      const operation = latest ?? latestOf(error);
      if (operation !== undefined) {
        try {
          document.operation = (decoder ?? new AnyDecoder()).operationJson(operation);
        } catch {
          // The error is what matters; an operation that does not decode is left out.
        }
      }
      this.printJson(document);
    }
    return exitCode;
  }
}

/** The Operation a PollTimeoutError last saw. */
function latestOf(error: unknown): Operation | undefined {
  if (!(error instanceof PollTimeoutError)) return undefined;
  return error.latest?.raw;
}

/** An error as JSON: kind, message, exit code, and the status of RPC and operation errors. */
function errorJson(error: unknown, exitCode: number, decoder: AnyDecoder | undefined): Record<string, unknown> {
  const json: Record<string, unknown> = { kind: errorKind(error), message: errorMessage(error), exitCode };
  if (error instanceof RpcError) {
    json.method = error.method;
    json.code = error.code;
    json.codeName = codeName(error.code);
    try {
      json.details = (decoder ?? new AnyDecoder()).statusJson(error.status).details;
    } catch {
      // Leave undecodable details out rather than hide the error.
    }
  } else if (error instanceof OperationFailedError) {
    json.code = error.code;
    json.codeName = codeName(error.code);
  }
  return json;
}

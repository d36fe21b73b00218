/**
 * The `longrunning` command line on commander: flags, commands, help, and the mapping of
 * every outcome to an exit code. `run(argv, io)` never calls `process.exit`, so tests
 * call it in-process; `main.ts` calls it with the real process.
 *
 * @internal
 * @module
 */
import { Command, CommanderError, Help, InvalidArgumentError as CommanderInvalidArgument, Option } from 'commander';
import { readFileSync } from 'node:fs';
import {
  cancelCommand, deleteCommand, followCommand, getCommand, listCommand, type FollowFlags, type ListFlags,
} from './commands.js';
import { demoCommand } from './demo.js';
import { webDemoCommand } from './web-demo.js';
import { FlagValueError, parseDuration, parsePositiveInteger } from './duration.js';
import { EXIT_CODES_HELP, ExitCode, UsageError } from './exit-codes.js';
import { Session, type CliIo, type ParsedFlags, type TypeFlags } from './session.js';
import { nameExpectation, nameProblem, quoteName, type NameKind } from '../validation.js';

export type { CliIo } from './session.js';

const EXAMPLES = `Examples:
  $ longrunning get operations/123 --address localhost:50051 --insecure
  $ longrunning get users/alice/operations/7 --base-url https://api.example.com --http-rules service.yaml
  $ longrunning list operations --filter 'done = false' --all --address api.example.com:443
  $ longrunning watch operations/123 --proto example/v1/service.proto --include protos
  $ longrunning wait operations/123 --timeout 5m --json
  $ longrunning demo
  $ longrunning demo --web     (in a clone of the repository: the jobs live in a web page)

--address speaks gRPC, --base-url HTTP/JSON (REST); either may come from
LONGRUNNING_ADDRESS or LONGRUNNING_BASE_URL instead. Connections use TLS with the
system's root certificates unless --insecure (http:// for --base-url); --ca trusts
other roots (gRPC). Header values (--header) are sent with every RPC and never printed.`;

/** The package version, read from the package.json next to src/ or dist/. */
function packageVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A commander argument parser from one of ours, so a bad value is a usage error naming the flag. */
function parser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof FlagValueError) throw new CommanderInvalidArgument(error.message);
      throw error;
    }
  };
}

/** A name argument, by the SDK's one name rule: refused before anything loads or connects. */
function checkedName(text: string, kind: NameKind): string {
  const problem = nameProblem(text, kind);
  if (problem !== undefined) {
    throw new UsageError(`${kind === 'operation' ? 'name' : 'parent'} ${quoteName(text)} ${problem} (expected ${nameExpectation(kind)})`);
  }
  return text;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The options naming the expected types, shared by get, wait and watch. */
function addTypeOptions(command: Command): Command {
  return command
    .option('--method <pkg.Service.Method>', 'the long-running method that started the operation: its operation_info ' +
      '(from --proto) names the response and metadata types, which are then enforced (exit 6 on mismatch)')
    .option('--response-type <type>', 'expected response message type, e.g. example.v1.ExportResponse')
    .option('--metadata-type <type>', 'expected metadata message type, e.g. example.v1.ExportMetadata');
}

/**
 * The global flags `demo` has no use for: it starts its own embedded server on loopback,
 * so nothing connects anywhere and there are no types to load.
 */
const DEMO_UNUSED_FLAGS = ['address', 'baseUrl', 'insecure', 'ca', 'httpRules', 'header', 'proto', 'include', 'timeout'] as const;

/** The command-line spelling of a commander option key: `baseUrl` -> `--base-url`. */
function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** `demo --help` lists only the global options demo honours. */
function demoGlobalOptions(this: Help, command: Command): Option[] {
  const unused = new Set<string>(DEMO_UNUSED_FLAGS.map(flagOf));
  return Help.prototype.visibleGlobalOptions.call(this, command).filter((option) => !unused.has(option.long ?? ''));
}

/** What a commander error means as an exit code; help and version are successes. */
function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.success;
  return ExitCode.usage;
}

/** Whether the command line asks for JSON, looked up before parsing succeeded. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves with the
 * exit code. Never throws and never exits the process; everything it opens is closed
 * before it resolves.
 *
 * @internal
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.success;
  let session: Session | undefined;

  const program = new Command('longrunning')
    .description('Inspect, follow, cancel and delete google.longrunning operations of any gRPC service.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined, // reported below, as one `longrunning: ...` line
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addOption(new Option('--address <host:port>', 'gRPC server address; default: $LONGRUNNING_ADDRESS ' +
      '(this or --base-url is required except for demo)'))
    .addOption(new Option('--base-url <url>', 'HTTP/JSON (REST) server instead of gRPC, e.g. https://api.example.com; ' +
      'default: $LONGRUNNING_BASE_URL'))
    .option('--insecure', 'plaintext connection without TLS (default: TLS); with --base-url, for http:// URLs')
    .option('--ca <file>', 'PEM root certificates to trust for TLS, gRPC only (default: the system roots)')
    .option('--http-rules <file>', 'with --base-url: the service\'s google.api.http rules, a JSON list of HttpRule ' +
      'objects or a service config (JSON or YAML) with http: { rules: [...] }')
    .option('--header <name:value>', 'request header sent with every RPC, repeatable (e.g. an API key); never printed', collect)
    .option('--proto <file>', '.proto file whose messages decode response/metadata Anys, repeatable', collect)
    .option('--include <dir>', 'directory to resolve --proto files and their imports in, repeatable', collect)
    .option('--json', 'machine output: exactly one JSON document on stdout, no progress bar')
    .addOption(new Option('--timeout <duration>', 'deadline: of the whole wait for wait/watch, of each RPC otherwise ' +
      '(500ms, 30s, 5m, 1h, or milliseconds)').argParser(parser(parseDuration)))
    .option('--debug', 'print stack traces with errors');

  const begin = (command: Command): Session => {
    session = new Session(io, command.optsWithGlobals<ParsedFlags>());
    return session;
  };

  addTypeOptions(program.command('get')
    .description('show an operation (GetOperation)')
    .argument('<name>', 'the operation name, e.g. operations/123')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await getCommand(begin(command), checkedName(name, 'operation'), command.opts<TypeFlags>());
    }));

  program.command('list')
    .description('list operations (ListOperations): one page and its next page token, or --all pages')
    // No commander default: it would print `(default: "")` after our own explanation.
    .argument('[parent]', 'the collection to list, e.g. operations (default: all that the server lists)')
    .option('--filter <filter>', 'server-side filter, e.g. "done = false"')
    .addOption(new Option('--page-size <n>', 'operations per page (default: the server\'s)').argParser(parser(parsePositiveInteger)))
    .option('--page-token <token>', 'continue from the token a previous page printed')
    .option('--all', 'fetch every page')
    .option('--partial', 'return what is reachable and name the unreachable collections (returnPartialSuccess)')
    .action(async (parent: string | undefined, _options: unknown, command: Command) => {
      exitCode = await listCommand(begin(command), checkedName(parent ?? '', 'collection'), command.opts<ListFlags>());
    });

  addTypeOptions(program.command('wait')
    .description('wait until an operation is done, print it, and exit with its outcome')
    .argument('<name>', 'the operation name')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await followCommand(begin(command), checkedName(name, 'operation'), command.opts<FollowFlags>(), false);
    }));

  addTypeOptions(program.command('watch')
    .description('like wait, with a live progress bar from the operation\'s metadata (plain lines when not a terminal)')
    .argument('<name>', 'the operation name')
    .addOption(new Option('--interval <duration>', 'how often progress refreshes (default: 1s)').argParser(parser(parseDuration)))
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await followCommand(begin(command), checkedName(name, 'operation'), command.opts<FollowFlags>(), true);
    }));

  program.command('cancel')
    .description('ask the server to cancel an operation (CancelOperation; best effort)')
    .argument('<name>', 'the operation name')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await cancelCommand(begin(command), checkedName(name, 'operation'));
    });

  program.command('delete')
    .description('delete an operation (DeleteOperation: the server forgets it; it is not cancelled)')
    .argument('<name>', 'the operation name')
    .action(async (name: string, _options: unknown, command: Command) => {
      exitCode = await deleteCommand(begin(command), checkedName(name, 'operation'));
    });

  program.command('demo')
    .description('run simulated jobs on an embedded loopback server and follow them with the SDK')
    .configureHelp({ ...program.configureHelp(), visibleGlobalOptions: demoGlobalOptions })
    .option('--http', 'run over the embedded server\'s HTTP/JSON front-end (the SDK with baseUrl) instead of gRPC')
    .option('--web', 'in a clone of the repository: serve a page on 127.0.0.1 that follows the jobs live with ' +
      'longrunning-client/browser (progress bars, outcomes, cancel buttons) until Ctrl-C')
    .action(async (options: { http?: boolean; web?: boolean }, command: Command) => {
      const session = begin(command);
      const given = command.optsWithGlobals<ParsedFlags>();
      const unused = DEMO_UNUSED_FLAGS.filter((flag) => given[flag] !== undefined).map(flagOf);
      if (unused.length > 0) throw new UsageError(`demo runs its own embedded server and does not use ${unused.join(', ')}`);
      exitCode = options.web === true ? await webDemoCommand(session) : await demoCommand(session, { http: options.http });
    });

  for (const command of [program, ...program.commands]) command.addHelpText('after', `\n${EXIT_CODES_HELP}`);
  program.addHelpText('after', `\n${EXAMPLES}`);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const code = commanderExitCode(error);
      if (code !== ExitCode.success && error.code !== 'commander.help') {
        const message = error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
        io.stderr.write(`longrunning: ${message} (see --help)\n`);
        if (wantsJson(argv)) io.stdout.write(`${JSON.stringify({ error: { kind: 'UsageError', message, exitCode: code } }, null, 2)}\n`);
      }
      return code;
    }
    return (session ?? new Session(io, { json: wantsJson(argv), debug: argv.includes('--debug') })).fail(error);
  } finally {
    await session?.close();
  }
}

/**
 * ListOperations throughput: iterate every operation of a large listing, page by page.
 *
 * The embedded server sorts all of its operation names for every page, which at
 * 100,000 operations costs more than anything a client does; pages are therefore
 * served from a cache (an override that asks the built-in handler once per page,
 * during the warm-up) so that the numbers measure the clients, not the server's sort.
 * The server still encodes every page for every call.
 */
import { OperationsClient } from '../../src/index.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { closeGax, createGaxOperationsClient } from '../lib/gax.js';
import { RawClient, SERIALIZERS, type ListRequestWire, type Serializers } from '../lib/raw.js';
import { int, ms, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import { countListedItems, countListedItemsByPage, seedListServer } from '../lib/list-fixture.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { median } from '../lib/stats.js';
import { collectGarbage } from '../lib/util.js';

type ListVariant = 'ours' | 'ours-pages' | 'gax' | 'raw-codec' | 'raw-bare';

const LABELS: Readonly<Record<ListVariant, string>> = {
  ours: 'ours `listOperationsAsync`',
  'ours-pages': 'ours `listOperationsAsync().byPage()`, items in a plain loop',
  gax: 'gax `listOperationsAsync`',
  'raw-codec': 'raw grpc-js loop, SDK codec (limit)',
  'raw-bare': 'raw grpc-js loop, bare protobufjs decode',
};

const VARIANTS: readonly ListVariant[] = ['ours', 'ours-pages', 'gax', 'raw-codec', 'raw-bare'];

/** A raw page-by-page loop: makeUnaryRequest, next token, until the last page. */
async function rawLoop<Res extends { operations: unknown[]; nextPageToken: string }>(
  raw: RawClient, serializers: Serializers<ListRequestWire, Res>, pageSize: number,
): Promise<number> {
  let items = 0;
  let pageToken = '';
  for (let pages = 0; pages < 1_000_000; pages++) {
    const page = await raw.unary(serializers, { name: 'operations', filter: '', pageSize, pageToken });
    for (const operation of page.operations) if (operation) items++;
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  return items;
}

export async function runList(context: SectionContext): Promise<SectionOutput> {
  const { operations, pageSize, rounds } = context.sizes.list;
  const server = await InMemoryOperationsServer.start({ waitOperation: true });
  const client = new OperationsClient({ address: server.address, insecure: true });
  const gaxClient = createGaxOperationsClient(server.address);
  const raw = new RawClient(server.address);
  try {
    seedListServer(server, operations);

    const iterate: Record<ListVariant, () => Promise<number>> = {
      ours: () => countListedItems(client, pageSize),
      'ours-pages': () => countListedItemsByPage(client, pageSize),
      gax: async () => {
        let items = 0;
        // Async iteration pages through everything anyway; `autoPaginate: false` only
        // keeps gax from printing its AutopaginateTrueWarning.
        for await (const operation of gaxClient.listOperationsAsync({ name: 'operations', filter: '', pageSize }, { autoPaginate: false })) if (operation) items++;
        return items;
      },
      'raw-codec': () => rawLoop(raw, SERIALIZERS.codec.listOperations, pageSize),
      'raw-bare': () => rawLoop(raw, SERIALIZERS.bare.listOperations, pageSize),
    };

    context.log(`list: warm-up, ${int(operations)} operations`);
    const counts = new Map<ListVariant, number>();
    for (const variant of VARIANTS) counts.set(variant, await iterate[variant]());

    const samples = new Map<ListVariant, number[]>(VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < rounds; round++) {
      context.log(`list: round ${round + 1} of ${rounds}`);
      // Rotate the order so that no client always runs first (or right after another's garbage).
      for (let k = 0; k < VARIANTS.length; k++) {
        const variant = VARIANTS[(round + k) % VARIANTS.length];
        collectGarbage();
        const start = performance.now();
        const items = await iterate[variant]();
        const elapsed = performance.now() - start;
        if (items !== operations) counts.set(variant, items);
        samples.get(variant)!.push(elapsed);
      }
    }

    const pages = Math.ceil(operations / pageSize);
    const itemsPerSecond = (variant: ListVariant) => operations / (median(samples.get(variant)!) / 1000);
    const rawCodec = itemsPerSecond('raw-codec');
    const rawBare = itemsPerSecond('raw-bare');
    const gax = itemsPerSecond('gax');
    const table: Table = {
      title: `ListOperations: ${int(operations)} operations, pages of ${int(pageSize)}`,
      columns: ['client', 'items/s (median)', 'ms per page', 'vs raw (SDK codec)', 'vs raw (bare)', 'vs gax'],
      rows: VARIANTS.map((variant) => {
        const rate = itemsPerSecond(variant);
        return [LABELS[variant], int(rate), ms(median(samples.get(variant)!) / pages), ratio(rate / rawCodec), ratio(rate / rawBare), ratio(rate / gax)];
      }),
      notes: [
        `Median of ${rounds} rounds (order rotated, GC before each). Every client receives the same bytes; "SDK codec" ` +
          'decodes into the public shapes exactly as the SDK does, "bare" stops at protobufjs message instances.',
      ],
    };
    const ours = itemsPerSecond('ours');
    const targets: TargetCheck[] = [
      {
        target: 'ListOperations: ours vs raw grpc-js loop (SDK codec)',
        goal: '>= 0.9x',
        measured: `${(ours / rawCodec).toFixed(3)}x`,
        met: ours >= 0.9 * rawCodec,
      },
      {
        target: 'ListOperations: ours vs raw grpc-js loop (bare protobufjs)',
        goal: '>= 0.9x',
        measured: `${(ours / rawBare).toFixed(3)}x`,
        met: ours >= 0.9 * rawBare,
      },
      {
        target: 'ListOperations: ours vs gax',
        goal: '>= 1x',
        measured: `${(ours / gax).toFixed(3)}x`,
        met: ours >= gax,
      },
    ];
    const checks: Check[] = VARIANTS.map((variant) => ({
      description: `list (${variant}): every operation iterated`,
      passed: counts.get(variant) === operations,
      detail: `${counts.get(variant)} of ${operations}`,
    }));
    return {
      title: '3. ListOperations throughput',
      method: `${int(operations)} operations (metadata on all, a response on half) listed with pageSize ${int(pageSize)}; ` +
        'pages served from a cache filled during the warm-up, so the server\'s per-page sort is not measured.',
      tables: [table],
      targets,
      checks,
      data: { samplesMs: Object.fromEntries(samples), itemsPerSecond: Object.fromEntries(VARIANTS.map((v) => [v, itemsPerSecond(v)])) },
    };
  } finally {
    raw.close();
    await closeGax(gaxClient);
    await client.close();
    await server.stop();
  }
}

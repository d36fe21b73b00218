/**
 * ListOperations throughput over HTTP/JSON: iterate every operation of a large listing
 * from the embedded server's HTTP front-end, page by page, through our client, gax's
 * REST fallback client and a bare `fetch` loop (the limit).
 *
 * As in the gRPC list benchmark, pages come from a cache filled during the warm-up, so
 * the server's per-page sort is not measured; the server still renders every page as
 * JSON for every call, the same work for every client.
 */
import { OperationsClient } from '../../src/index.js';
import { InMemoryOperationsServer } from '../../src/testing.js';
import { closeGaxRest, createGaxRestOperationsClient, type GaxRestOperationsClient } from '../lib/gax.js';
import { benchTypes } from '../lib/payloads.js';
import { RawHttpClient, type RawDecoder } from '../lib/raw-http.js';
import { int, ms, ratio, type Check, type Table, type TargetCheck } from '../lib/report.js';
import { countListedItems, countListedItemsByPage, seedListServer } from '../lib/list-fixture.js';
import type { SectionContext, SectionOutput } from '../lib/section.js';
import { median } from '../lib/stats.js';
import { collectGarbage } from '../lib/util.js';

type HttpListVariant = 'ours' | 'ours-pages' | 'gax' | 'gax-fetch' | 'raw-codec' | 'raw-bare';

const LABELS: Readonly<Record<HttpListVariant, string>> = {
  ours: 'ours `listOperationsAsync` over HTTP',
  'ours-pages': 'ours `listOperationsAsync().byPage()`, items in a plain loop',
  gax: 'gax REST fallback `listOperationsAsync` (gaxios, as shipped)',
  'gax-fetch': 'gax REST fallback, auth.fetch = global fetch',
  'raw-codec': 'raw fetch loop, SDK JSON codec (limit)',
  'raw-bare': 'raw fetch loop, JSON.parse only',
};

const VARIANTS: readonly HttpListVariant[] = ['ours', 'ours-pages', 'gax', 'gax-fetch', 'raw-codec', 'raw-bare'];

async function rawLoop(raw: RawHttpClient, pageSize: number, decoder: RawDecoder): Promise<number> {
  let items = 0;
  let pageToken = '';
  for (let pages = 0; pages < 1_000_000; pages++) {
    const page = await raw.listPage('operations', pageSize, pageToken, decoder);
    for (const operation of page.operations) if (operation) items++;
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  return items;
}

async function gaxLoop(gax: GaxRestOperationsClient, pageSize: number): Promise<number> {
  let items = 0;
  // `autoPaginate: false` only keeps gax from printing its AutopaginateTrueWarning.
  for await (const operation of gax.listOperationsAsync({ name: 'operations', filter: '', pageSize }, { autoPaginate: false })) if (operation) items++;
  return items;
}

export async function runHttpList(context: SectionContext): Promise<SectionOutput> {
  const { operations, pageSize, rounds } = context.sizes['http-list'];
  const { registry, root } = benchTypes();
  const server = await InMemoryOperationsServer.start({ http: true, types: registry });
  const baseUrl = server.httpUrl!;
  const client = new OperationsClient({ baseUrl, insecure: true, types: registry });
  const gaxClient = createGaxRestOperationsClient(baseUrl, { types: root.toJSON() });
  const gaxFetchClient = createGaxRestOperationsClient(baseUrl, { types: root.toJSON(), fetch: 'fetch' });
  const raw = new RawHttpClient(baseUrl, registry);
  try {
    seedListServer(server, operations);

    const iterate: Record<HttpListVariant, () => Promise<number>> = {
      ours: () => countListedItems(client, pageSize),
      'ours-pages': () => countListedItemsByPage(client, pageSize),
      gax: () => gaxLoop(gaxClient, pageSize),
      'gax-fetch': () => gaxLoop(gaxFetchClient, pageSize),
      'raw-codec': () => rawLoop(raw, pageSize, 'codec'),
      'raw-bare': () => rawLoop(raw, pageSize, 'bare'),
    };

    context.log(`http-list: warm-up, ${int(operations)} operations`);
    const counts = new Map<HttpListVariant, number>();
    for (const variant of VARIANTS) counts.set(variant, await iterate[variant]());

    const samples = new Map<HttpListVariant, number[]>(VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < rounds; round++) {
      context.log(`http-list: round ${round + 1} of ${rounds}`);
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
    const itemsPerSecond = (variant: HttpListVariant) => operations / (median(samples.get(variant)!) / 1000);
    // The best round: what the client can do when nothing else on the machine interferes.
    const bestPerSecond = (variant: HttpListVariant) => operations / (Math.min(...samples.get(variant)!) / 1000);
    const rawCodec = itemsPerSecond('raw-codec');
    const gax = itemsPerSecond('gax');
    const table: Table = {
      title: `HTTP/JSON ListOperations: ${int(operations)} operations, pages of ${int(pageSize)}`,
      columns: ['client', 'items/s (median)', 'ms per page', 'vs raw fetch (SDK codec)', 'vs gax', 'items/s (best round)', 'best vs gax'],
      rows: VARIANTS.map((variant) => {
        const rate = itemsPerSecond(variant);
        const best = bestPerSecond(variant);
        return [LABELS[variant], int(rate), ms(median(samples.get(variant)!) / pages), ratio(rate / rawCodec), ratio(rate / gax),
          int(best), ratio(best / bestPerSecond('gax'))];
      }),
      notes: [
        `Median of ${rounds} rounds (order rotated, GC before each). Every client receives the same JSON; "SDK codec" ` +
          'decodes it into the public shapes exactly as the SDK does (Any values re-encoded as bytes), "JSON.parse only" stops at plain objects.',
      ],
    };
    const ours = itemsPerSecond('ours');
    const targets: TargetCheck[] = [
      {
        target: 'HTTP ListOperations: ours vs gax REST fallback',
        goal: '>= 1x',
        measured: `${(ours / gax).toFixed(3)}x`,
        met: ours >= gax,
      },
      {
        target: 'HTTP ListOperations: ours vs gax REST fallback, best rounds',
        goal: '>= 1x',
        measured: `${(bestPerSecond('ours') / bestPerSecond('gax')).toFixed(3)}x`,
        met: bestPerSecond('ours') >= bestPerSecond('gax'),
      },
    ];
    const checks: Check[] = VARIANTS.map((variant) => ({
      description: `http-list (${variant}): every operation iterated`,
      passed: counts.get(variant) === operations,
      detail: `${counts.get(variant)} of ${operations}`,
    }));
    return {
      title: '6. HTTP/JSON ListOperations throughput',
      method: `${int(operations)} operations (metadata on all, a response on half) listed with pageSize ${int(pageSize)} ` +
        'from the embedded server\'s HTTP/JSON front-end (default bindings); pages served from a cache filled during the warm-up.',
      tables: [table],
      targets,
      checks,
      data: { samplesMs: Object.fromEntries(samples), itemsPerSecond: Object.fromEntries(VARIANTS.map((v) => [v, itemsPerSecond(v)])) },
    };
  } finally {
    await closeGaxRest(gaxFetchClient);
    await closeGaxRest(gaxClient);
    await client.close();
    await server.stop();
  }
}

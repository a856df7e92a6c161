import type { Histogram } from 'prom-client';

export interface HttpLabels {
  method: string;
  route: string;
  status: string;
}

/** prom-client 15's record of one histogram series (its `hashMap` values), which `fold` adds a tally into. */
interface HistogramSeries {
  labels: object;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

interface Tally {
  labels: HttpLabels;
  /** the counter's series for these labels */
  counter: { inc(n: number): void };
  count: number;
  sum: number;
  /** answers per latency bucket (the index of the first bound they are within; the last slot: above every bound) */
  buckets: Float64Array;
  series?: HistogramSeries;
  /** the histogram's series table `series` was found in (prom-client replaces it on reset) */
  seriesIn?: object;
}

/**
 * HTTP answers counted and timed with plain number increments, per (route, method, status), and added to a counter and
 * a histogram when the metrics are read (fold, from their `collect`). Same series, same numbers as counting each
 * answer through prom-client, whose inc/observe validate and hash the label set on every call.
 */
export class HttpTallies {
  private readonly byRoute = new Map<string, Map<string, Map<number, Tally>>>();
  private readonly all: Tally[] = [];

  constructor(
    private readonly bounds: readonly number[],
    private readonly counterOf: (labels: HttpLabels) => { inc(n: number): void },
  ) {}

  add(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map<string, Map<number, Tally>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Tally>()));
    let tally = byStatus.get(status);
    if (!tally) byStatus.set(status, (tally = this.create(method, route, status)));
    tally.count++;
    tally.sum += seconds;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    tally.buckets[i]!++;
  }

  /** Adds what was tallied since the last fold to the counter and the histogram. */
  fold(histogram: Histogram<keyof HttpLabels>): void {
    for (const tally of this.all) {
      if (tally.count === 0) continue;
      tally.counter.inc(tally.count);
      const series = this.seriesOf(histogram, tally);
      series.count += tally.count;
      series.sum += tally.sum;
      for (let i = 0; i < this.bounds.length; i++) series.bucketValues[this.bounds[i]!]! += tally.buckets[i]!;
      tally.count = 0;
      tally.sum = 0;
      tally.buckets.fill(0);
    }
  }

  private create(method: string, route: string, status: number): Tally {
    const labels = { method, route, status: String(status) };
    const tally: Tally = { labels, counter: this.counterOf(labels), count: 0, sum: 0, buckets: new Float64Array(this.bounds.length + 1) };
    this.all.push(tally);
    return tally;
  }

  /** The histogram's series for the tally's labels, made as prom-client makes it on a first observe (zero). */
  private seriesOf(histogram: Histogram<keyof HttpLabels>, tally: Tally): HistogramSeries {
    const table = (histogram as unknown as { hashMap: Record<string, HistogramSeries> }).hashMap;
    if (tally.series && tally.seriesIn === table && Object.values(table).includes(tally.series)) return tally.series;
    let series = Object.values(table).find((s) => s.labels === tally.labels);
    if (!series) {
      histogram.zero(tally.labels);
      series = Object.values(table).find((s) => s.labels === tally.labels);
    }
    if (!series || typeof series.bucketValues !== 'object') throw new Error('prom-client histogram series not found: its layout changed (metrics/tally.ts)');
    tally.series = series;
    tally.seriesIn = table;
    return series;
  }
}

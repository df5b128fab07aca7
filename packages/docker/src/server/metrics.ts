// Prometheus metrics in the text exposition format (version 0.0.4), written by hand: a few
// counters, two histograms and gauges read at scrape time need no client library.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts = BUCKETS.map(() => 0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
    this.sum += seconds;
    this.count++;
  }

  lines(name: string, labels: string): string[] {
    const sep = labels ? `${labels},` : "";
    return [
      ...BUCKETS.map((le, i) => `${name}_bucket{${sep}le="${le}"} ${this.counts[i]}`),
      `${name}_bucket{${sep}le="+Inf"} ${this.count}`,
      `${name}_sum${labels ? `{${labels}}` : ""} ${this.sum}`,
      `${name}_count${labels ? `{${labels}}` : ""} ${this.count}`,
    ];
  }
}

/**
 * A value read when Prometheus scrapes, such as the number of endpoints.
 *
 * @example
 * ```ts
 * const gauge: Gauge = { name: "own6_docker_endpoints", help: "Endpoints", value: () => state.endpoints().length };
 * ```
 */
export interface Gauge {
  readonly name: string;
  readonly help: string;
  readonly value: () => number;
}

/**
 * The plugin's metrics: requests by method and status with their durations, DAD outcomes with
 * theirs, and gauges of what the plugin holds.
 *
 * @example
 * ```ts
 * const metrics = new Metrics([{ name: "own6_docker_networks", help: "Networks", value: () => 2 }]);
 * metrics.request("/NetworkDriver.Join", 200, 0.012);
 * metrics.render(); // "# HELP own6_docker_requests_total ..."
 * ```
 */
export class Metrics {
  readonly #gauges: readonly Gauge[];
  readonly #requests = new Map<string, number>();
  readonly #requestTimes = new Map<string, Histogram>();
  readonly #dad = new Map<string, number>();
  readonly #dadTimes = new Histogram();

  constructor(gauges: readonly Gauge[]) {
    this.#gauges = gauges;
  }

  /**
   * Counts one plugin request.
   *
   * @example
   * ```ts
   * metrics.request("/IpamDriver.RequestAddress", 200, 1.02);
   * ```
   */
  request(method: string, status: number, seconds: number): void {
    const key = `method="${method}",status="${status}"`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const times = this.#requestTimes.get(method) ?? new Histogram();
    times.observe(seconds);
    this.#requestTimes.set(method, times);
  }

  /**
   * Counts one DAD run.
   *
   * @example
   * ```ts
   * metrics.dad("unique", 1.01);
   * ```
   */
  dad(outcome: string, seconds: number): void {
    this.#dad.set(outcome, (this.#dad.get(outcome) ?? 0) + 1);
    this.#dadTimes.observe(seconds);
  }

  /**
   * Everything in Prometheus' text format.
   *
   * @example
   * ```ts
   * res.end(metrics.render());
   * ```
   */
  render(): string {
    const out = [
      "# HELP own6_docker_requests_total Plugin requests from dockerd, by method and HTTP status.",
      "# TYPE own6_docker_requests_total counter",
      ...[...this.#requests].map(([labels, n]) => `own6_docker_requests_total{${labels}} ${n}`),
      "# HELP own6_docker_request_duration_seconds Time to answer a plugin request.",
      "# TYPE own6_docker_request_duration_seconds histogram",
      ...[...this.#requestTimes].flatMap(([method, h]) =>
        h.lines("own6_docker_request_duration_seconds", `method="${method}"`),
      ),
      "# HELP own6_docker_dad_total Duplicate Address Detection runs, by outcome.",
      "# TYPE own6_docker_dad_total counter",
      ...[...this.#dad].map(([outcome, n]) => `own6_docker_dad_total{outcome="${outcome}"} ${n}`),
      "# HELP own6_docker_dad_duration_seconds Time DAD took to decide.",
      "# TYPE own6_docker_dad_duration_seconds histogram",
      ...this.#dadTimes.lines("own6_docker_dad_duration_seconds", ""),
      ...this.#gauges.flatMap((g) => [
        `# HELP ${g.name} ${g.help}`,
        `# TYPE ${g.name} gauge`,
        `${g.name} ${g.value()}`,
      ]),
    ];
    return `${out.join("\n")}\n`;
  }
}

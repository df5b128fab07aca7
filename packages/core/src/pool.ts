/**
 * Runs `task` over `items` with at most `limit` running at once and returns the results in
 * order. Tasks should not reject: wrap them when a failure must not stop the others. Adapters
 * use it to bound how many containers are attached (and DAD probes run) at once.
 *
 * @example
 * ```ts
 * const leases = await mapPool(owners, 16, (owner) => allocator.allocate(owner));
 * ```
 */
export async function mapPool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// The lab's outside client: fetches http://[address]:port/ for every address given on stdin
// (one JSON array), a few at a time, and prints one JSON array of results. Runs inside the
// lab's "ext" namespace, beyond the router.
const PARALLEL = 16;
const input = JSON.parse(
  await new Promise((resolve) => {
    let text = "";
    process.stdin.on("data", (d) => (text += d));
    process.stdin.on("end", () => resolve(text));
  }),
);
const { addresses, port = 80, timeoutMs = 5000 } = input;

async function probe(address) {
  try {
    const res = await fetch(`http://[${address}]:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return { address, ok: res.ok, ...(await res.json()) };
  } catch (e) {
    return { address, ok: false, error: e.cause?.code ?? e.message };
  }
}

const results = new Array(addresses.length);
let next = 0;
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    while (next < addresses.length) {
      const i = next++;
      results[i] = await probe(addresses[i]);
    }
  }),
);
// Exit at once: a connection attempt to an address that never answers would otherwise hold the
// process open until the socket's own timeout, long after its request was abandoned.
process.stdout.write(`${JSON.stringify(results)}\n`, () => process.exit(0));

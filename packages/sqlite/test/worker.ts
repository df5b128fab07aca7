// A separate process racing others on one database or one secret file: the multi-process half
// of the store and secret tests.
import { loadOrCreateSecret, SqliteLeaseStore } from "../src/index.js";

const [mode, path, arg] = process.argv.slice(2);
if (mode === "cas") {
  const store = SqliteLeaseStore.openIn(path ?? "");
  const result = await store.compareAndSet("k", Number(arg), {
    kind: "owner",
    owner: `pid-${process.pid}`,
    prefix: "2001:db8::/64",
    address: null,
    dadCounters: [],
  });
  process.stdout.write(JSON.stringify({ ok: result.ok }));
  store.close();
} else {
  process.stdout.write(Buffer.from(loadOrCreateSecret(path ?? "")).toString("hex"));
}

// A throwaway CA with a certificate for the etcd member (127.0.0.1) and one for the client (CN
// own6), made with openssl in a temporary directory.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Certificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes the certificates in `dir` (created if needed). */
export function makeCertificates(dir: string): Certificates {
  mkdirSync(dir, { recursive: true });
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    at("ca-key.pem"),
    "-out",
    at("ca.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=own6-test-ca",
  );
  const issue = (name: string, cn: string, extensions: string) => {
    writeFileSync(at(`${name}.ext`), extensions);
    openssl("req", ...KEY, "-keyout", at(`${name}-key.pem`), "-out", at(`${name}.csr`), "-subj", `/CN=${cn}`);
    openssl(
      "x509",
      "-req",
      "-in",
      at(`${name}.csr`),
      "-CA",
      at("ca.pem"),
      "-CAkey",
      at("ca-key.pem"),
      "-CAcreateserial",
      "-out",
      at(`${name}.pem`),
      "-days",
      "1",
      "-extfile",
      at(`${name}.ext`),
    );
  };
  issue("server", "etcd", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
  issue("client", "own6", "extendedKeyUsage=clientAuth\n");
  return {
    caFile: at("ca.pem"),
    serverCertFile: at("server.pem"),
    serverKeyFile: at("server-key.pem"),
    clientCertFile: at("client.pem"),
    clientKeyFile: at("client-key.pem"),
  };
}

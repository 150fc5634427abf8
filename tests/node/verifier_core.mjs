// Verifies credentials with the Digital Credentials Consortium's verifier-core, the verifier in the
// Learner Credential Wallet and VerifierPlus, exactly as it ships: its own document loader, did:web
// driver and status-list checker. Only the transport is redirected: every request for the issuer's
// public origin (ORIGIN, e.g. https://issuer.example) goes to our service on loopback (LOOPBACK),
// and any other request fails, so nothing leaves the machine and nothing of the service is bypassed.
//
// Files named in "files" (URL -> local path) answer requests for those URLs: the official OB 3.0
// JSON Schema its schema check loads, from the copy under tests/data.
//
// stdin: {"origin", "loopback", "files", "output", "credentials": [...]}; writes to "output"
// {"results": [{errors, log}, ...], "requested": [...]} (stdout carries verifier-core's own logging).
import { readFileSync, writeFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const realFetch = globalThis.fetch;
const requested = [];
globalThis.fetch = async (resource, init) => {
  const request = resource instanceof Request ? resource : new Request(resource, init);
  if (input.files[request.url]) {
    return new Response(readFileSync(input.files[request.url]), { headers: { 'content-type': 'application/json' } });
  }
  if (!request.url.startsWith(input.origin + '/')) {
    throw new TypeError(`the test allows no request outside ${input.origin}: ${request.url}`);
  }
  requested.push(request.url);
  const url = input.loopback + request.url.slice(input.origin.length);
  return realFetch(new Request(url, request));
};

// Imported after fetch is redirected: the http client captures it.
const { verifyCredential } = await import('@digitalcredentials/verifier-core');
const results = [];
for (const credential of input.credentials) {
  const result = await verifyCredential({ credential, knownDIDRegistries: [] });
  results.push({
    errors: (result.errors || []).map(e => ({ name: e.name, message: e.message })),
    log: (result.log || []).map(step => ({ id: step.id, valid: step.valid, error: step.error ?? null })),
    schema: result.additionalInformation ?? null,
  });
}
writeFileSync(input.output, JSON.stringify({ results, requested }));

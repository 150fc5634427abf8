// A wallet made of the OpenWallet Foundation's OpenID4VP library (@openid4vc/openid4vp, the one
// Credo-based wallets use), exactly as it ships, answering our verifier:
//
// action "resolve": it parses the openid4vp:// link, fetches the Request Object at request_uri
// and resolves it (resolveOpenId4vpAuthorizationRequest): JAR checks (typ, client_id of the link
// equals the signed one), the `decentralized_identifier:` client identifier prefix (signed by a
// key of the client_id's DID, named by the kid DID URL), the payload's schema and the version
// it speaks. The library leaves the signature check to the wallet (its verifyJwt callback); this
// script does it as a wallet does: it resolves the did:web (GET https://<host>/.well-known/did.json),
// finds the kid's verification method and verifies the JWS with that key (Ed25519 Multikey, or
// a publicKeyJwk).
// action "submit": it builds the Authorization Response from the vp_token it is given
// (createOpenid4vpAuthorizationResponse: the library adds the request's state) and POSTs it by
// direct_post to the response_uri (submitOpenid4vpAuthorizationResponse).
//
// Only the transport is redirected: every request for the verifier's public origin (ORIGIN, e.g.
// https://issuer.example) goes to our service on loopback (LOOPBACK); any other request fails.
//
// stdin: {"action", "origin", "loopback", "output", and for resolve "uri"; for submit "request"
// (the resolved authorizationRequestPayload) and "vp_token"}. Writes to "output": resolve
// {"ok", "request" (the resolved payload), "client", "version", "dcql", "signatures", "requested"
// | "error"}; submit {"ok", "response" (the payload sent), "status", "body", "requested" | "error"}.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey, verify } from 'node:crypto';

import { loopbackFetch } from './loopback.mjs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const requested = [];
const viaLoopback = loopbackFetch(input.origin, input.loopback, requested);

const { Openid4vpClient } = await import('@openid4vc/openid4vp');

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function unbase58(text) {
  let n = 0n;
  for (const c of text) {
    const digit = ALPHABET.indexOf(c);
    if (digit < 0) throw new Error(`not base58: ${c}`);
    n = n * 58n + BigInt(digit);
  }
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const zeros = text.match(/^1*/)[0].length;
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(n === 0n ? '' : hex, 'hex')]);
}

// The public JWK of a verification method: a Multikey (only Ed25519, multicodec 0xed01, is
// decoded here: the service signs with Ed25519 unless its operator keeps only EC keys) or a
// publicKeyJwk.
function methodJwk(method) {
  if (method.publicKeyJwk) return method.publicKeyJwk;
  const multibase = method.publicKeyMultibase ?? '';
  if (!multibase.startsWith('z')) throw new Error(`unsupported publicKeyMultibase ${multibase}`);
  const bytes = unbase58(multibase.slice(1));
  if (bytes[0] !== 0xed || bytes[1] !== 0x01 || bytes.length !== 34) throw new Error('not an Ed25519 Multikey');
  return { kty: 'OKP', crv: 'Ed25519', x: bytes.subarray(2).toString('base64url') };
}

// did:web:<host> -> https://<host>/.well-known/did.json (did:web's resolution, no path here).
async function resolveDidWeb(did) {
  const parts = did.split(':');
  if (parts[0] !== 'did' || parts[1] !== 'web' || parts.length !== 3) throw new Error(`not a did:web: ${did}`);
  const response = await viaLoopback(`https://${decodeURIComponent(parts[2])}/.well-known/did.json`);
  if (!response.ok) throw new Error(`${did}: did.json answered ${response.status}`);
  const document = await response.json();
  if (document.id !== did) throw new Error(`the DID document is ${document.id}, not ${did}`);
  return document;
}

const DIGESTS = { ES256: 'sha256', ES384: 'sha384', EdDSA: null };
const signatures = [];
async function verifyJwt(signer, { header, compact }) {
  if (signer.method !== 'did') return { verified: false };
  const did = signer.didUrl.split('#')[0];
  const document = await resolveDidWeb(did);
  const method = (document.verificationMethod ?? []).find(
    (m) => m.id === signer.didUrl || (m.id.startsWith('#') && did + m.id === signer.didUrl));
  if (!method) throw new Error(`${signer.didUrl} is not a verification method of ${did}`);
  if (!(header.alg in DIGESTS)) throw new Error(`unsupported alg ${header.alg}`);
  const jwk = methodJwk(method);
  const [head, body, signature] = compact.split('.');
  const verified = verify(DIGESTS[header.alg], Buffer.from(`${head}.${body}`),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'));
  signatures.push({ didUrl: signer.didUrl, alg: header.alg, verified });
  return verified ? { verified: true, signerJwk: jwk } : { verified: false };
}

const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };
const client = new Openid4vpClient({
  callbacks: {
    fetch: viaLoopback,
    verifyJwt,
    hash: (data, alg) => new Uint8Array(createHash(HASHES[alg]).update(data).digest()),
  },
});

const out = { requested };
try {
  if (input.action === 'resolve') {
    const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: input.uri });
    out.parsed = { type: parsed.type, provided: parsed.provided, params: parsed.params };
    const resolved = await client.resolveOpenId4vpAuthorizationRequest({
      authorizationRequestPayload: parsed.params });
    out.request = resolved.authorizationRequestPayload;
    out.client = { prefix: resolved.client.prefix, identifier: resolved.client.identifier,
                   effective: resolved.client.effective, didUrl: resolved.client.didUrl };
    out.jar = { sendBy: resolved.jar?.sendBy, signer: resolved.jar?.signer?.method };
    out.version = resolved.version;
    out.dcql = resolved.dcql?.query ?? null;
    out.signatures = signatures;
  } else if (input.action === 'submit') {
    const { authorizationResponsePayload } = await client.createOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: input.request,
      authorizationResponsePayload: { vp_token: input.vp_token },
    });
    out.response = authorizationResponsePayload;
    const { response } = await client.submitOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: input.request, authorizationResponsePayload });
    out.status = response.status;
    out.body = await response.text();
  } else {
    throw new Error(`unknown action ${input.action}`);
  }
  out.ok = true;
} catch (error) {
  out.ok = false;
  out.error = `${error.name}: ${error.message}`;
  out.description = error.errorResponse?.error_description ?? null;
}
writeFileSync(input.output, JSON.stringify(out));

// A wallet made of the OpenWallet Foundation's OpenID4VP library (@openid4vc/openid4vp, the one
// Credo-based wallets use), exactly as it ships, answering our verifier:
//
// action "resolve": it parses the openid4vp:// link, fetches the Request Object at request_uri
// and resolves it (resolveOpenId4vpAuthorizationRequest): JAR checks (typ, client_id of the link
// equals the signed one), the `decentralized_identifier:` client identifier prefix (signed by a
// key of the client_id's DID, named by the kid DID URL), the payload's schema and the version
// it speaks. The library leaves the signature check to the wallet (its verifyJwt callback); this
// script does it as a wallet does: it resolves the did:web (GET https://<host>/.well-known/did.json),
// finds the kid's verification method and verifies the JWS with that key (an Ed25519, P-256 or
// P-384 Multikey, or a publicKeyJwk).
// action "submit": it builds the Authorization Response from the vp_token it is given
// (createOpenid4vpAuthorizationResponse: the library adds the request's state) and POSTs it by
// direct_post to the response_uri (submitOpenid4vpAuthorizationResponse).
//
// Only the transport is redirected: every request for the verifier's public origin (ORIGIN, e.g.
// https://issuer.example) goes to our service on loopback (LOOPBACK); any other request fails.
//
// stdin: {"action", "origin", "loopback", "output", and for resolve "uri"; for submit "request"
// (the resolved authorizationRequestPayload) and "vp_token"}. Writes to "output": resolve
// {"ok", "request" (the resolved payload), "client", "version", "dcql" | "error", and always
// "signatures" (each JWS the callback checked) and "requested"}; submit {"ok", "response" (the
// payload sent), "status", "body" | "error", "requested"}.
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

// Multikey codecs (multicodec varint header, then the key) and the DER SubjectPublicKeyInfo
// prefix that makes a key Node can import: Ed25519 (0xed), P-256 and P-384 (0x1200, 0x1201,
// compressed points).
const MULTIKEYS = [
  { header: [0xed, 0x01], length: 32, spki: '302a300506032b6570032100' },
  { header: [0x80, 0x24], length: 33, spki: '3039301306072a8648ce3d020106082a8648ce3d030107032200' },
  { header: [0x81, 0x24], length: 49, spki: '3046301006072a8648ce3d020106052b81040022033200' },
];

// The public key of a verification method: a Multikey or a publicKeyJwk.
function methodKey(method) {
  if (method.publicKeyJwk) return createPublicKey({ key: method.publicKeyJwk, format: 'jwk' });
  const multibase = method.publicKeyMultibase ?? '';
  if (!multibase.startsWith('z')) throw new Error(`unsupported publicKeyMultibase ${multibase}`);
  const bytes = unbase58(multibase.slice(1));
  const codec = MULTIKEYS.find((c) => bytes[0] === c.header[0] && bytes[1] === c.header[1]
                                      && bytes.length === 2 + c.length);
  if (!codec) throw new Error(`unsupported Multikey ${multibase}`);
  const der = Buffer.concat([Buffer.from(codec.spki, 'hex'), bytes.subarray(2)]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
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
  const key = methodKey(method);
  const [head, body, signature] = compact.split('.');
  const verified = verify(DIGESTS[header.alg], Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'));
  signatures.push({ didUrl: signer.didUrl, alg: header.alg, verified });
  return verified ? { verified: true, signerJwk: key.export({ format: 'jwk' }) } : { verified: false };
}

const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };
const client = new Openid4vpClient({
  callbacks: {
    fetch: viaLoopback,
    verifyJwt,
    hash: (data, alg) => new Uint8Array(createHash(HASHES[alg]).update(data).digest()),
  },
});

const out = { requested, signatures };
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

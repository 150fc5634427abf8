// A wallet made of the OpenWallet Foundation's OpenID4VCI client (@openid4vc/openid4vci, the one
// Credo-based wallets use), exactly as it ships: it resolves the offer (by reference), reads our
// issuer and authorization server metadata, redeems the pre-authorized code, asks the nonce
// endpoint for a c_nonce, signs its own key proof and requests the credential. This script only
// supplies what a wallet supplies: a fresh Ed25519 key named by its did:key, hashing, randomness
// and signing. Only the transport is redirected: every request for the issuer's public origin
// (ORIGIN, e.g. https://issuer.example) goes to our service on loopback (LOOPBACK), and any other
// request fails, so nothing leaves the machine.
//
// stdin: {"origin", "loopback", "offer" (an openid-credential-offer:// URI), "configuration" (the
// credential configuration to ask for; default: the offer's first), "output"}; writes to "output"
// {"holder", "configuration", "ok", "credentials" | "error", "status", "requested"}.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const input = JSON.parse(readFileSync(0, 'utf8'));
const realFetch = globalThis.fetch;
const requested = [];
const viaLoopback = async (resource, init) => {
  const request = resource instanceof Request ? resource : new Request(resource, init);
  if (!request.url.startsWith(input.origin + '/')) {
    throw new TypeError(`the test allows no request outside ${input.origin}: ${request.url}`);
  }
  requested.push(`${request.method} ${request.url}`);
  return realFetch(new Request(input.loopback + request.url.slice(input.origin.length), request));
};

const { Openid4vciClient } = await import('@openid4vc/openid4vci');
const { clientAuthenticationAnonymous } = await import('@openid4vc/oauth2');

// did:key for an Ed25519 key: multicodec 0xed01, then base58btc with the "z" multibase prefix.
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = BigInt('0x' + Buffer.from(bytes).toString('hex'));
  let out = '';
  while (n > 0n) { out = ALPHABET[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; out = '1' + out; }
  return out;
}
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' });
const raw = Buffer.from(jwk.x, 'base64url');
const fingerprint = 'z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
const holder = `did:key:${fingerprint}`;
const didUrl = `${holder}#${fingerprint}`;

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };
const callbacks = {
  fetch: viaLoopback,
  hash: (data, alg) => new Uint8Array(createHash(HASHES[alg]).update(data).digest()),
  generateRandom: (length) => new Uint8Array(randomBytes(length)),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (signer, { header, payload }) => {
    if (signer.method !== 'did' || signer.didUrl !== didUrl) throw new Error(`unexpected signer ${signer.method}`);
    const input = `${b64url(header)}.${b64url(payload)}`;
    const signature = sign(null, Buffer.from(input), privateKey).toString('base64url');
    return { jwt: `${input}.${signature}`, signerJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } };
  },
};

const client = new Openid4vciClient({ callbacks });
const out = { holder, requested };
try {
  const offer = await client.resolveCredentialOffer(input.offer);
  const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer, issuerMetadata, txCode: input.txCode });
  out.configuration = input.configuration ?? offer.credential_configuration_ids[0];
  out.offered = offer.credential_configuration_ids;
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata, credentialConfigurationId: out.configuration, nonce: c_nonce,
    signer: { method: 'did', didUrl, alg: 'EdDSA' } });
  const response = await client.retrieveCredentials({
    issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: out.configuration,
    proofs: { jwt: [jwt] } });
  out.ok = true;
  out.credentials = response.credentialResponse.credentials.map((entry) => entry.credential);
} catch (error) {
  out.ok = false;
  out.error = `${error.name}: ${error.message}`;
  out.status = error.response?.response?.status ?? null;
  out.body = error.response?.credentialErrorResponseResult?.data ?? null;
}
writeFileSync(input.output, JSON.stringify(out));

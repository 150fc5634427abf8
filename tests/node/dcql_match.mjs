// The OpenWallet Foundation's DCQL implementation (npm `dcql`, the one Credo-based wallets and
// verifiers use), exactly as it ships, judges our verifier's DCQL query: it parses it
// (structure) and validates it (content), then answers, for each credential it is given, whether
// a wallet holding only that credential can satisfy the query (DcqlQuery.query, the wallet's
// side) and whether a presentation of it satisfies the query (DcqlPresentationResult, the
// verifier's side). A W3C credential is given as the library's documents ask (DcqlW3cVcCredential):
// {credential_format, type (the fully expanded type IRIs), claims (the credential's JSON),
// cryptographic_holder_binding}. Nothing here touches the network.
//
// stdin: {"query" (the dcql_query of our Request Object), "credentials": [DcqlW3cVcCredential],
// "output"}; writes to "output" {"parsed" | "error", "results": [{"can_be_satisfied", "success",
// "presented", "presented_error", "issues"}]}.
import { readFileSync, writeFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const { DcqlQuery, DcqlPresentationResult } = await import('dcql');

const out = {};
try {
  const parsed = DcqlQuery.parse(input.query);
  DcqlQuery.validate(parsed);
  out.parsed = parsed;
  out.results = input.credentials.map((credential) => {
    const result = DcqlQuery.query(parsed, [credential]);
    const match = Object.values(result.credential_matches)[0];
    const judged = { can_be_satisfied: result.can_be_satisfied, success: match.success };
    // Why it failed, in the library's words (claim and meta issues), to show in an assertion.
    judged.issues = match.success ? [] : JSON.stringify(match.failed_credentials ?? match).slice(0, 4000);
    try {
      const presented = DcqlPresentationResult.fromDcqlPresentation(
        { [parsed.credentials[0].id]: [credential] }, { dcqlQuery: parsed });
      judged.presented = presented.can_be_satisfied;
    } catch (error) {
      judged.presented = false;
      judged.presented_error = `${error.name}: ${error.message}`;
    }
    return judged;
  });
} catch (error) {
  out.error = `${error.name}: ${error.message}`;
}
writeFileSync(input.output, JSON.stringify(out));

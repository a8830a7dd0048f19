// Parts every route schema repeats: the failure envelope for every error
// status, and the signed-request security requirement for OpenAPI.

import { ErrorBody } from "./schemas.ts";

/** @public */
export const FAILURES = { "4xx": ErrorBody, "5xx": ErrorBody } as const;

/** @public */
export const SIGNED = [{ ApiKey: [], Timestamp: [], Signature: [] }];

export const SECURITY_SCHEMES = {
  ApiKey: { type: "apiKey", in: "header", name: "X-BOURSE-APIKEY" },
  Timestamp: {
    type: "apiKey",
    in: "header",
    name: "X-BOURSE-TIMESTAMP",
    description: "Milliseconds since the Unix epoch, within the receive window of the server clock",
  },
  Signature: {
    type: "apiKey",
    in: "header",
    name: "X-BOURSE-SIGNATURE",
    description:
      "Lowercase hex HMAC-SHA256(secret, timestamp + METHOD + path_with_query + raw_body)",
  },
} as const;

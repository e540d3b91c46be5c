import {
  InvalidUpstreamUrlError,
  isDiscoveryIntervalSeconds,
  MAX_DISCOVERY_INTERVAL_SECONDS,
  parseUpstreamUrl,
  registryMessages,
  UPSTREAM_PINS,
  UPSTREAM_TRANSPORTS,
  upstreamNameProblem,
} from '@app/registry';
import { z } from 'zod';

export const MAX_GATEWAY_NAME_LENGTH = 100;

// Printable as sent, before trimming (trim would quietly drop a leading U+FEFF or a trailing U+2028);
// the registry's rule and text, which name the character as U+XXXX, never raw.
const name = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  .superRefine((value, ctx) => {
    const problem = upstreamNameProblem(value);
    if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  })
  .pipe(
    z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_GATEWAY_NAME_LENGTH, `must be at most ${MAX_GATEWAY_NAME_LENGTH} characters`),
  );

// Syntax and length only (parseUpstreamUrl); whether the target is allowed (SSRF policy, DNS) is UpstreamUrlValidator's call.
// Messages never quote the value, which may carry credentials.
const url = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  .superRefine((value, ctx) => {
    try {
      parseUpstreamUrl(value);
    } catch (error) {
      if (!(error instanceof InvalidUpstreamUrlError)) throw error;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: error.reason });
    }
  });

const transport = z.enum(UPSTREAM_TRANSPORTS, {
  errorMap: () => ({ message: `must be one of ${UPSTREAM_TRANSPORTS.map((t) => `"${t}"`).join(', ')}` }),
});

const enabled = z.boolean({ required_error: 'is required', invalid_type_error: 'must be true or false' });

// The URL's path is a secret (an API key in the path): shown and published only as a digest.
const secretPath = z.boolean({ invalid_type_error: 'must be true or false' });

// Polling overrides; null means "no override". The texts are the registry's, which checks the same.
const pin = z.enum(UPSTREAM_PINS, { errorMap: () => ({ message: registryMessages.pinInvalid() }) }).nullable();

const intervalMessage = registryMessages.discoveryIntervalInvalid(MAX_DISCOVERY_INTERVAL_SECONDS);
// One refine rather than int/min/max, so a bad value yields one issue, not several.
const discoveryIntervalSeconds = z
  .number({ invalid_type_error: intervalMessage })
  .refine(isDiscoveryIntervalSeconds, intervalMessage)
  .nullable();

const object = { invalid_type_error: 'must be a JSON object', required_error: 'must be a JSON object' };

export const createGatewaySchema = z
  .object(
    {
      name,
      url,
      secretPath: secretPath.default(false),
      // Absent: the registry picks "stdio" for stdio:<name> URLs, "streamablehttp" otherwise.
      transport: transport.optional(),
      enabled: enabled.default(true),
      pin: pin.default(null),
      discoveryIntervalSeconds: discoveryIntervalSeconds.default(null),
    },
    object,
  )
  .strict();

const updateFields = {
  name: name.optional(),
  url: url.optional(),
  secretPath: secretPath.optional(),
  transport: transport.optional(),
  enabled: enabled.optional(),
  pin: pin.optional(),
  discoveryIntervalSeconds: discoveryIntervalSeconds.optional(),
};

// Null is a change (it clears an override); only absent fields change nothing.
export const updateGatewaySchema = z
  .object(updateFields, object)
  .strict()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: `must change at least one of ${Object.keys(updateFields).join(', ')}`,
  });

export type CreateGatewayBody = z.infer<typeof createGatewaySchema>;
export type UpdateGatewayBody = z.infer<typeof updateGatewaySchema>;

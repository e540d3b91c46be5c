import { UPSTREAM_TRANSPORTS, InvalidUpstreamUrlError, parseUpstreamUrl } from '@app/registry';
import { z } from 'zod';

export const MAX_GATEWAY_NAME_LENGTH = 100;

const name = z
  .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_GATEWAY_NAME_LENGTH, `must be at most ${MAX_GATEWAY_NAME_LENGTH} characters`)
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters');

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

const object = { invalid_type_error: 'must be a JSON object', required_error: 'must be a JSON object' };

export const createGatewaySchema = z
  .object(
    {
      name,
      url,
      transport: transport.default('streamablehttp'),
      enabled: enabled.default(true),
    },
    object,
  )
  .strict();

export const updateGatewaySchema = z
  .object(
    { name: name.optional(), url: url.optional(), transport: transport.optional(), enabled: enabled.optional() },
    object,
  )
  .strict()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'must change at least one of name, url, transport, enabled',
  });

export type CreateGatewayBody = z.infer<typeof createGatewaySchema>;
export type UpdateGatewayBody = z.infer<typeof updateGatewaySchema>;

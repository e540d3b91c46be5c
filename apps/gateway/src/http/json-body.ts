import type { INestApplication } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';

/** Bodies of admin and MCP requests are small; a larger one is refused before it is parsed. */
export const JSON_BODY_LIMIT = '1mb';

/**
 * JSON bodies, with parse errors answered as a plain 400. The default parser's message quotes the
 * body (`Unexpected token 'C', "{"url": CANARY…" is not valid JSON`), which could carry an
 * upstream credential into logs and proxies. Call on an app created with `bodyParser: false`.
 */
export function useJsonBodies(app: INestApplication): void {
  app.use(json({ limit: JSON_BODY_LIMIT }));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const type = (error as { type?: unknown } | null)?.type;
    if (type === 'entity.parse.failed') {
      res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'request body is not valid JSON' });
    } else if (type === 'entity.too.large') {
      res
        .status(413)
        .json({ statusCode: 413, error: 'Payload Too Large', message: `request body exceeds ${JSON_BODY_LIMIT}` });
    } else {
      next(error);
    }
  });
}

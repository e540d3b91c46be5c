import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import { isUpstreamId } from '@app/registry';

/** Gateway ids are UUIDs; anything else names no gateway, so it is a 404 rather than a 400. */
@Injectable()
export class GatewayIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUpstreamId(value)) throw new NotFoundException('gateway not found');
    return value.toLowerCase();
  }
}

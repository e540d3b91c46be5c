import { UpstreamListChanges } from '../mcp';
import { LIST_CHANGE_REFRESH_INTERVAL_MS, ListChangeRefresher } from './list-change-refresher';
import type { ToolDiscoveryService } from './tool-discovery.service';

describe('ListChangeRefresher', () => {
  const refreshed: string[] = [];
  const discovery = {
    refresh: async (id: string) => {
      refreshed.push(id);
      return { added: [], updated: [], removed: [], total: 0 };
    },
  } as unknown as ToolDiscoveryService;
  let changes: UpstreamListChanges;
  let refresher: ListChangeRefresher;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    refreshed.splice(0);
    changes = new UpstreamListChanges();
    refresher = new ListChangeRefresher(changes, discovery);
    refresher.onModuleInit();
  });

  afterEach(() => {
    refresher.onModuleDestroy();
    jest.useRealTimers();
  });

  it('rediscovers an upstream that said its lists changed, once for a burst of sessions relaying it', async () => {
    changes.emit('a');
    changes.emit('a');
    changes.emit('b');
    await jest.advanceTimersByTimeAsync(0);
    expect(refreshed.sort()).toEqual(['a', 'b']);

    changes.emit('a');
    changes.emit('a');
    await jest.advanceTimersByTimeAsync(LIST_CHANGE_REFRESH_INTERVAL_MS - 100);
    expect(refreshed.filter((id) => id === 'a')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(100);
    expect(refreshed.filter((id) => id === 'a')).toHaveLength(2);
  });

  it('stops listening when the module is destroyed', async () => {
    refresher.onModuleDestroy();
    changes.emit('a');
    await jest.advanceTimersByTimeAsync(LIST_CHANGE_REFRESH_INTERVAL_MS);
    expect(refreshed).toEqual([]);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusEntities } from '@parley/contracts';
import { tempDir } from '@parley/testkit';

/** A Config.json (Microsoft's emulator format) with only the notifications queue, for tests that need other settings. */
export function writeNotificationsConfig(props: { maxDeliveryCount: number; lockDuration?: string }): string {
  const dir = tempDir('parley-notifier-');
  const file = join(dir, 'servicebus.json');
  const config = {
    UserConfig: {
      Namespaces: [
        {
          Name: 'sbemulatorns',
          Queues: [
            {
              Name: BusEntities.notificationsQueue,
              Properties: {
                RequiresSession: true,
                MaxDeliveryCount: props.maxDeliveryCount,
                LockDuration: props.lockDuration ?? 'PT30S',
                RequiresDuplicateDetection: true,
                DuplicateDetectionHistoryTimeWindow: 'PT5M',
                DefaultMessageTimeToLive: 'PT1H',
                DeadLetteringOnMessageExpiration: false,
              },
            },
          ],
          Topics: [],
        },
      ],
      Logging: { Type: 'Console' },
    },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

import type { CapacityPlan } from './model.js';

const number = (value: number) => (Number.isInteger(value) || value >= 100 ? Math.round(value).toLocaleString('en-US') : value >= 10 ? value.toFixed(0) : value.toFixed(1));
const percent = (value: number) => `${Math.round(value * 100)} %`;

/** The plan for each size as text: what to run, then every limit by how much of it is used. */
export function renderPlans(plans: readonly CapacityPlan[], header: string): string {
  const lines = [header, ''];
  lines.push('| users | messages/s | deliveries/s | gateway | chat-worker | notifier | Web PubSub | Service Bus | PARTITIONS | storage accounts | first limit hit |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |');
  for (const plan of plans) {
    const bus = plan.serviceBus.tier === 'Standard' ? 'Standard' : `Premium ${plan.serviceBus.messagingUnits} MU${plan.serviceBus.namespaces > 1 ? ` over ${plan.serviceBus.namespaces} namespaces` : ''}`;
    const wps = `${number(plan.webPubSub.units)} units${plan.webPubSub.instances > 1 ? ` (${plan.webPubSub.instances} × 100 or Premium_P2)` : ''}`;
    const first = plan.firstLimit ? `${plan.firstLimit.name} (${percent(plan.firstLimit.utilization)})` : `none; nearest: ${plan.limits[0]?.name} (${percent(plan.limits[0]?.utilization ?? 0)})`;
    lines.push(
      `| ${number(plan.users)} | ${number(plan.messagesPerSecond)} | ${number(plan.deliveriesPerSecond)} | ${plan.replicas.gateway} | ${plan.replicas['chat-worker']} | ${plan.replicas.notifier} | ${wps} | ${bus} | ${plan.partitions} | ${plan.storage.accounts} | ${first} |`,
    );
  }
  for (const plan of plans) {
    lines.push('', `${number(plan.users)} users — every limit against today's deployment, busiest first:`);
    for (const limit of plan.limits) {
      const mark = limit.utilization >= 1 ? 'HIT ' : '    ';
      lines.push(`  ${mark}${percent(limit.utilization).padStart(7)}  ${limit.name}: ${number(limit.used)} of ${number(limit.limit)}${limit.assumption ? ' (assumption)' : ''}`);
      if (limit.utilization >= 1) lines.push(`               change: ${limit.change}`);
    }
  }
  const sources = new Map(plans.flatMap((plan) => plan.limits.map((limit) => [limit.source, limit.assumption] as const)));
  lines.push('', 'Sources:', ...[...sources.keys()].sort().map((source) => `  ${source}`));
  return `${lines.join('\n')}\n`;
}

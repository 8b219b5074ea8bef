import { field } from '../answers/field.js';
import { checkBoolean } from '../answers/validate.js';
import { bool, group, str, stringMap } from '../chart/valueTree.js';
import type { Part } from './part.js';

/** A Prometheus Operator ServiceMonitor, rendered only where the monitoring.coreos.com/v1 API exists. */
export interface ServiceMonitorAnswers {
  serviceMonitor: boolean;
}

const DURATION = { pattern: '^[0-9]+(ms|s|m|h)$' };

export const serviceMonitor: Part = {
  id: 'serviceMonitor',
  title: 'ServiceMonitor',
  section: 'workload',
  fields: [
    field({
      key: 'serviceMonitor',
      flag: 'service-monitor',
      label: 'ServiceMonitor',
      help: 'add a Prometheus Operator ServiceMonitor',
      prompt: { type: 'confirm', message: 'Add a Prometheus ServiceMonitor?' },
      check: checkBoolean,
      defaultValue: () => false,
    }),
  ],
  included: (answers) => answers.serviceMonitor,
  ownedFiles: ['templates/servicemonitor.yaml'],
  values: () => ({
    serviceMonitor: group('Prometheus Operator ServiceMonitor; rendered only where monitoring.coreos.com/v1 exists', {
      enabled: bool('Create the ServiceMonitor', true),
      interval: str('Scrape interval', '30s', DURATION),
      scrapeTimeout: str('Scrape timeout', '10s', DURATION),
      labels: stringMap('Labels Prometheus selects ServiceMonitors by'),
    }),
  }),
  prerequisites: () => [
    'The Prometheus Operator CRDs (`monitoring.coreos.com/v1`) for the ServiceMonitor; without them it is left out. Prometheus runs in the namespace `networkPolicy.monitoringNamespace` names.',
  ],
};

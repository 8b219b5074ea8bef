import { field } from '../answers/field.js';
import { checkBoolean } from '../answers/validate.js';
import { bool, custom, group, K8S_NAME, oneOf, QUANTITY, str } from '../chart/valueTree.js';
import type { Part } from './part.js';

/** A PersistentVolumeClaim mounted into the app; kept on uninstall in prod. */
export interface PersistenceAnswers {
  persistence: boolean;
}

export const persistence: Part = {
  id: 'persistence',
  title: 'Persistent volume',
  section: 'workload',
  fields: [
    field({
      key: 'persistence',
      flag: 'persistence',
      label: 'Persistent volume',
      help: 'mount a persistent volume',
      prompt: { type: 'confirm', message: 'Mount a persistent volume?' },
      check: checkBoolean,
      defaultValue: () => false,
    }),
  ],
  included: (answers) => answers.persistence,
  ownedFiles: ['templates/pvc.yaml'],
  slots: {
    'deployment.volumeMounts': 'persistence/deployment-volume-mounts.yaml.hbs',
    'deployment.volumes': 'persistence/deployment-volumes.yaml.hbs',
  },
  values: () => ({
    persistence: group('Persistent volume for the app', {
      enabled: bool('Mount a PersistentVolumeClaim', true),
      mountPath: str('Where the volume is mounted', '/data', { pattern: '^/' }),
      size: custom('Requested size', '1Gi', QUANTITY),
      storageClass: str('StorageClass; the cluster default when empty', ''),
      accessMode: oneOf('Access mode', 'ReadWriteOnce', ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany']),
      existingClaim: str('Use this claim instead of creating one', '', K8S_NAME),
      retainOnUninstall: bool('Keep the claim when the release is uninstalled (helm.sh/resource-policy: keep)', false),
    }),
  }),
  prodValues: () => ({ persistence: { retainOnUninstall: true } }),
  prerequisites: () => ['A StorageClass for the app volume (the cluster default, or `persistence.storageClass`).'],
};

import { type Answers, field } from '../answers/field.js';
import { checkBoolean } from '../answers/validate.js';
import { bool, custom, group, image, int, QUANTITY, resources, str } from '../chart/valueTree.js';
import type { Part, SoupItem } from './part.js';
import { BITNAMI_POSTGRES_IMAGE, CNPG_POSTGRES_IMAGE, postgresCnpg, postgresInCluster, postgresql } from './postgresql.js';

/**
 * A nightly pg_dump of the chart's own PostgreSQL (the Bitnami subchart or the CloudNativePG
 * cluster) to a volume of its own. Its pods have a NetworkPolicy of their own: egress to the
 * database and DNS, no ingress.
 */
export interface BackupAnswers {
  backup: boolean;
}

const databaseInChart = (answers: Partial<Answers>) => postgresInCluster(answers) || postgresCnpg(answers);

/** The pg_dump image: the database's own image, so client and server versions match. */
const dumpImage = (answers: Answers) =>
  postgresCnpg(answers)
    ? { repository: CNPG_POSTGRES_IMAGE.repository, tag: CNPG_POSTGRES_IMAGE.tag }
    : { repository: `${BITNAMI_POSTGRES_IMAGE.registry}/${BITNAMI_POSTGRES_IMAGE.repository}`, tag: BITNAMI_POSTGRES_IMAGE.tag };

export const backup: Part = {
  id: 'backup',
  title: 'Database backup',
  section: 'operations',
  fields: [
    field({
      key: 'backup',
      flag: 'backup',
      label: 'Database backup',
      help: 'add a nightly pg_dump CronJob (PostgreSQL in-cluster or cloudnative-pg)',
      prompt: { type: 'confirm', message: 'Add a database backup CronJob?' },
      check: checkBoolean,
      defaultValue: () => false,
      applies: databaseInChart,
      requires: '--dependencies postgresql with --postgresql-provider in-cluster or cloudnative-pg',
    }),
  ],
  included: (answers) => answers.backup && databaseInChart(answers),
  ownedFiles: ['templates/backup-cronjob.yaml'],
  slots: { readme: 'backup/README.md.hbs' },
  context: (answers) => ({ cnpg: postgresCnpg(answers) }),
  values(answers) {
    const dump = dumpImage(answers);
    return {
      backup: group(`Nightly pg_dump of the ${postgresCnpg(answers) ? 'CloudNativePG' : 'in-cluster'} database to its own volume`, {
        enabled: bool('Create the backup CronJob', true),
        schedule: str('Cron schedule (UTC)', '0 2 * * *', { minLength: 9 }),
        image: image('pg_dump image; matches the database version', dump.repository, dump.tag, '', false),
        size: custom('Size of the backup volume', '5Gi', QUANTITY),
        storageClass: str('StorageClass of the backup volume; the cluster default when empty', ''),
        retainOnUninstall: bool('Keep the backup volume when the release is uninstalled', true),
        successfulJobsHistoryLimit: int('Finished jobs to keep', 3, { minimum: 0 }),
        failedJobsHistoryLimit: int('Failed jobs to keep', 3, { minimum: 0 }),
        resources: resources('Resources of the backup container', { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' }, { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '256Mi' }),
      }),
    };
  },
  soup(answers): SoupItem[] {
    // The same image as the database's; listed again because backup.image brings it too.
    const database = postgresql.soup?.(answers).find((item) => item.kind === 'image');
    return database ? [{ ...database, broughtBy: 'backup.image' }] : [];
  },
  prerequisites: () => ['A StorageClass for the backup volume (the cluster default, or `backup.storageClass`). Copy the dumps off the cluster: a volume in the same cluster is no disaster recovery.'],
};

import { type Answers, field } from '../answers/field.js';
import { checkBoolean, checkHost, checkIngressClass, checkNamespace, checkObjectName, checkOneOf } from '../answers/validate.js';
import { bool, custom, group, K8S_NAME, oneOf, placeholder, str, stringMap } from '../chart/valueTree.js';
import type { Part } from './part.js';
import { isExampleValue } from './placeholders.js';

/**
 * An Ingress in front of the Service. Nothing about the cluster is assumed: the IngressClass is
 * asked (empty means the cluster's default class) and so is the namespace of the controller, which
 * the NetworkPolicy admits. TLS comes from cert-manager (an issuer annotation; cert-manager creates
 * the Secret) or from a Secret the team creates, which the README names.
 */
export const TLS_SOURCES = ['secret', 'cert-manager'] as const;
export type TlsSource = (typeof TLS_SOURCES)[number];

export interface IngressAnswers {
  ingress: boolean;
  ingressHost: string;
  ingressClass: string;
  ingressControllerNamespace: string;
  ingressTls: boolean;
  ingressCertificate: TlsSource;
  certManagerIssuer: string;
}

const HOST_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$';
const usesCertManager = (answers: Partial<Answers>) => answers.ingress === true && answers.ingressTls === true && answers.ingressCertificate === 'cert-manager';

export const ingress: Part = {
  id: 'ingress',
  title: 'Ingress',
  section: 'exposure',
  fields: [
    field({
      key: 'ingress',
      flag: 'ingress',
      label: 'Ingress',
      help: 'expose the service through an Ingress',
      prompt: { type: 'confirm', message: 'Expose through an Ingress?' },
      check: checkBoolean,
      defaultValue: () => false,
    }),
    field({
      key: 'ingressHost',
      flag: 'ingress-host',
      argName: 'host',
      label: 'Ingress host',
      help: 'host name of the Ingress',
      prompt: { type: 'input', message: 'Ingress host' },
      check: checkHost,
      defaultValue: (sofar) => `${sofar.name ?? 'my-service'}.example.com`,
      applies: (sofar) => sofar.ingress === true,
      requires: '--ingress',
    }),
    field({
      key: 'ingressClass',
      flag: 'ingress-class',
      argName: 'name',
      label: 'IngressClass',
      help: "IngressClass of the Ingress (empty: the cluster's default class)",
      prompt: { type: 'input', message: "IngressClass (empty: the cluster's default class)" },
      check: checkIngressClass,
      defaultValue: () => '',
      applies: (sofar) => sofar.ingress === true,
      requires: '--ingress',
      show: (value) => value,
    }),
    field({
      key: 'ingressControllerNamespace',
      flag: 'ingress-controller-namespace',
      argName: 'namespace',
      label: 'Ingress controller namespace',
      help: 'namespace of the ingress controller, which the NetworkPolicy admits (required with --ingress)',
      prompt: { type: 'input', message: 'Namespace of the ingress controller (admitted by the NetworkPolicy)' },
      check: checkNamespace,
      // No guess: a wrong namespace silently blocks all traffic from the controller.
      defaultValue: (sofar) => (sofar.ingress === true ? undefined : ''),
      applies: (sofar) => sofar.ingress === true,
      requires: '--ingress',
    }),
    field({
      key: 'ingressTls',
      flag: 'ingress-tls',
      label: 'TLS at the Ingress',
      help: 'terminate TLS at the Ingress',
      prompt: { type: 'confirm', message: 'Terminate TLS at the Ingress?' },
      check: checkBoolean,
      defaultValue: () => true,
      applies: (sofar) => sofar.ingress === true,
      requires: '--ingress',
    }),
    field({
      key: 'ingressCertificate',
      flag: 'ingress-certificate',
      argName: TLS_SOURCES.join('|'),
      label: 'TLS certificate from',
      help: 'where the TLS certificate comes from: a Secret you create, or cert-manager',
      prompt: {
        type: 'select',
        message: 'TLS certificate from',
        choices: [
          { value: 'secret', name: 'secret', description: 'a Secret you create before installing (the README names it)' },
          { value: 'cert-manager', name: 'cert-manager', description: 'cert-manager issues it: adds the cert-manager.io/cluster-issuer annotation' },
        ],
      },
      check: checkOneOf(TLS_SOURCES),
      defaultValue: () => 'secret',
      applies: (sofar) => sofar.ingress === true && sofar.ingressTls === true,
      requires: '--ingress-tls',
    }),
    field({
      key: 'certManagerIssuer',
      flag: 'cert-manager-issuer',
      argName: 'name',
      label: 'cert-manager ClusterIssuer',
      help: 'cert-manager ClusterIssuer that issues the certificate (required with --ingress-certificate cert-manager)',
      prompt: { type: 'input', message: 'cert-manager ClusterIssuer' },
      check: checkObjectName,
      defaultValue: (sofar) => (usesCertManager(sofar) ? undefined : ''),
      applies: usesCertManager,
      requires: '--ingress-certificate cert-manager',
    }),
  ],
  // Always in the chart: an Ingress can be switched on in values later.
  included: () => true,
  ownedFiles: ['templates/ingress.yaml'],
  slots: {
    'networkpolicy.ingressFrom': 'ingress/networkpolicy-ingress-from.yaml.hbs',
    readme: 'ingress/README.md.hbs',
  },
  context: (answers) => ({
    enabled: answers.ingress,
    host: answers.ingressHost,
    className: answers.ingressClass,
    controllerNamespace: answers.ingressControllerNamespace,
    tls: answers.ingress && answers.ingressTls,
    certManager: usesCertManager(answers),
    issuer: answers.certManagerIssuer,
  }),
  values(answers) {
    const host = custom('Host name served', answers.ingressHost, { type: 'string', pattern: HOST_PATTERN });
    return {
      ingress: group('Ingress (networking.k8s.io/v1)', {
        enabled: bool('Create an Ingress', answers.ingress),
        className: str("IngressClass name; empty: the cluster's default IngressClass", answers.ingressClass, K8S_NAME),
        annotations: stringMap(
          'Annotations on the Ingress',
          usesCertManager(answers) ? { 'cert-manager.io/cluster-issuer': answers.certManagerIssuer } : {},
        ),
        host: answers.ingress && isExampleValue(answers.ingressHost) ? placeholder(host, 'the host name clients use') : host,
        path: str('Path served', '/', { pattern: '^/' }),
        pathType: oneOf('Path matching', 'Prefix', ['Prefix', 'Exact', 'ImplementationSpecific']),
        tls: group('TLS at the Ingress', {
          enabled: bool('Terminate TLS', answers.ingressTls),
          secretName: str(
            usesCertManager(answers)
              ? 'Secret cert-manager writes the certificate to; <fullname>-tls when empty'
              : 'Secret holding the certificate, created before installing; <fullname>-tls when empty',
            '',
            K8S_NAME,
          ),
        }),
      }),
    };
  },
  groupValues: (answers) => ({
    networkPolicy: {
      ingressControllerNamespace: str(
        'Namespace of the ingress controller allowed to reach the app; required when ingress.enabled',
        answers.ingressControllerNamespace,
        { pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$', maxLength: 63 },
      ),
    },
  }),
  prerequisites(answers) {
    if (!answers.ingress) return [];
    const className = answers.ingressClass ? `IngressClass \`${answers.ingressClass}\`` : 'a default IngressClass';
    const list = [`An ingress controller in namespace \`${answers.ingressControllerNamespace}\` serving ${className}.`];
    if (answers.ingressTls) {
      list.push(
        usesCertManager(answers)
          ? `cert-manager with the ClusterIssuer \`${answers.certManagerIssuer}\`; it creates the TLS Secret.`
          : 'The TLS Secret (type `kubernetes.io/tls`) named in "Ingress and TLS" below.',
      );
    }
    return list;
  },
};

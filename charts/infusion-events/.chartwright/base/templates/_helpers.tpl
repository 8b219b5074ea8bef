{{/*
Chart name, truncated to 63 characters: Kubernetes names are DNS labels.
*/}}
{{- define "infusion-events.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release and chart name, or the release name alone when it already contains the
chart name. Truncated to 63 characters.
*/}}
{{- define "infusion-events.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The full name a subchart gives its objects (its Service, its Secret), by the rule its own
fullname helper follows: its fullnameOverride, else the release name when that already holds the
subchart's name (release "postgresql-app" -> "postgresql-app"), else "<release>-<name>".
Call with (dict "root" $ "chart" "postgresql").
*/}}
{{- define "infusion-events.subchartFullname" -}}
{{- $values := index .root.Values .chart | default dict }}
{{- if $values.fullnameOverride }}
{{- $values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .chart $values.nameOverride }}
{{- if contains $name .root.Release.Name }}
{{- .root.Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .root.Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label ("+" is not allowed in label values).
*/}}
{{- define "infusion-events.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
IEC 62304 software safety class, recorded in Chart.yaml by chartwright.
*/}}
{{- define "infusion-events.safetyClass" -}}
{{- index (.Chart.Annotations | default dict) "chartwright.io/iec62304-class" | default "C" }}
{{- end }}

{{/*
Labels every object of this chart carries. Components add app.kubernetes.io/component.
*/}}
{{- define "infusion-events.commonLabels" -}}
helm.sh/chart: {{ include "infusion-events.chart" . }}
app.kubernetes.io/name: {{ include "infusion-events.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
chartwright.io/iec62304-class: {{ include "infusion-events.safetyClass" . | quote }}
{{- end }}

{{/*
Selector labels of the application pods. Test and backup pods carry another component so
the Service never routes traffic to them.
*/}}
{{- define "infusion-events.selectorLabels" -}}
app.kubernetes.io/name: {{ include "infusion-events.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Labels of the application's objects.
*/}}
{{- define "infusion-events.labels" -}}
{{ include "infusion-events.commonLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Regulatory annotations: which safety class, chart and app version an object belongs to.
*/}}
{{- define "infusion-events.regulatoryAnnotations" -}}
chartwright.io/iec62304-class: {{ include "infusion-events.safetyClass" . | quote }}
chartwright.io/chart-version: {{ .Chart.Version | quote }}
chartwright.io/app-version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/*
Name of the service account the pods use.
*/}}
{{- define "infusion-events.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "infusion-events.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the Secret with the generated credentials.
*/}}
{{- define "infusion-events.secretName" -}}
{{- default (include "infusion-events.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
Image reference from {repository, tag, digest}; the digest wins when set.
*/}}
{{- define "infusion-events.image" -}}
{{- if .digest }}
{{- printf "%s:%s@%s" .repository .tag .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{/*
An HTTP probe on the container's named port.
*/}}
{{- define "infusion-events.probe" -}}
httpGet:
  path: {{ .path }}
  port: http
initialDelaySeconds: {{ .initialDelaySeconds }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}

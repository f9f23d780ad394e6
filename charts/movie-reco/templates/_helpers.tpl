{{/* The release-wide name prefix: <release> when it already contains the chart name, else <release>-movie-reco. */}}
{{- define "movie-reco.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "movie-reco.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: movie-reco
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "movie-reco.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "movie-reco.operatorName" -}}{{ include "movie-reco.fullname" . }}-operator{{- end -}}
{{- define "movie-reco.serviceAccountName" -}}
{{- .Values.operator.serviceAccount.name | default (include "movie-reco.operatorName" .) -}}
{{- end -}}
{{- define "movie-reco.backendSecretName" -}}
{{- .Values.backend.existingSecret | default (printf "%s-backend" (include "movie-reco.fullname" .)) -}}
{{- end -}}
{{/* The namespaces the operator watches, comma-separated (watchNamespaces and watchNamespace); empty: all. */}}
{{- define "movie-reco.watchedNamespaces" -}}
{{- $listed := .Values.operator.watchNamespaces | default list -}}
{{- $watched := concat $listed (compact (list .Values.operator.watchNamespace)) -}}
{{- if and $watched .Values.operator.namespaceSelector -}}
{{- fail "operator.watchNamespaces (or watchNamespace) and operator.namespaceSelector exclude each other" -}}
{{- end -}}
{{- $watched | uniq | join "," -}}
{{- end -}}
{{/* The backend Secrets the operator may read (get by name): operator.backendSecretNames, else the chart's. */}}
{{- define "movie-reco.readableBackendSecrets" -}}
{{- .Values.operator.backendSecretNames | default (list (include "movie-reco.backendSecretName" .)) | uniq | toJson -}}
{{- end -}}
{{- define "movie-reco.mysqlName" -}}{{ include "movie-reco.fullname" . }}-mysql{{- end -}}
{{- define "movie-reco.minioName" -}}{{ include "movie-reco.fullname" . }}-minio{{- end -}}

{{/* The restricted Pod Security standard, for pods and containers. */}}
{{- define "movie-reco.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
{{- if .fsGroup }}
fsGroup: {{ .uid }}
fsGroupChangePolicy: OnRootMismatch
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- define "movie-reco.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* The database URL and the object-store settings, from the in-chart servers or the external ones. */}}
{{- define "movie-reco.databaseUrl" -}}
{{- if .Values.mysql.enabled -}}
{{- $auth := .Values.mysql.auth -}}
{{- $host := include "movie-reco.mysqlName" . -}}
{{- printf "mysql://%s:%s@%s:3306/%s" $auth.username $auth.password $host $auth.database -}}
{{- else -}}
{{- required "backend.databaseUrl is required when mysql.enabled is false and backend.existingSecret is not set"
  .Values.backend.databaseUrl -}}
{{- end -}}
{{- end -}}
{{- define "movie-reco.s3Endpoint" -}}
{{- if .Values.minio.enabled -}}
{{- printf "http://%s:9000" (include "movie-reco.minioName" .) -}}
{{- else -}}
{{- .Values.backend.s3.endpoint -}}
{{- end -}}
{{- end -}}

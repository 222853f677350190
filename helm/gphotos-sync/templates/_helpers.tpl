{{/* Chart name, shortened to a DNS label. */}}
{{- define "gphotos-sync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, with the chart name appended unless it already contains it. */}}
{{- define "gphotos-sync.fullname" -}}
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

{{- define "gphotos-sync.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gphotos-sync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gphotos-sync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Standard labels. Call with (dict "root" $ "component" "sync"). */}}
{{- define "gphotos-sync.labels" -}}
helm.sh/chart: {{ include "gphotos-sync.chart" .root }}
{{ include "gphotos-sync.selectorLabels" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: gphotos-sync
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Labels of one account's objects. Call with (dict "root" $ "component" "sync" "account" $a). */}}
{{- define "gphotos-sync.accountLabels" -}}
{{ include "gphotos-sync.labels" . }}
gphotos-sync/account: {{ .account.name }}
{{- end }}

{{- define "gphotos-sync.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "gphotos-sync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gphotos-sync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gphotos-sync.claimName" -}}
{{- default (printf "%s-data" (include "gphotos-sync.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* The Secret with the tokens (<account>.json) and DATABASE_URL. */}}
{{- define "gphotos-sync.secretName" -}}
{{- default (include "gphotos-sync.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/* "true" when the chart creates that Secret itself. */}}
{{- define "gphotos-sync.createSecret" -}}
{{- if and (not .Values.secret.existingSecret) (or .Values.secret.tokens .Values.secret.databaseUrl) }}true{{ end }}
{{- end }}

{{/* "true" when the Secret may hold DATABASE_URL. */}}
{{- define "gphotos-sync.hasDatabaseUrl" -}}
{{- if or .Values.secret.existingSecret .Values.secret.databaseUrl }}true{{ end }}
{{- end }}

{{/*
A setting as an environment variable's value, quoted. Helm reads numbers in values as floats:
whole ones are printed without an exponent (1000000, not 1e+06).
*/}}
{{- define "gphotos-sync.envValue" -}}
{{- $s := . | toString }}
{{- if kindIs "float64" . }}
{{- if eq . (. | int64 | float64) }}{{ $s = . | int64 | toString }}{{ end }}
{{- end }}
{{- $s | quote }}
{{- end }}

{{/* Name of an account's CronJob. Call with (dict "root" $ "account" $a). */}}
{{- define "gphotos-sync.cronJobName" -}}
{{- printf "%s-%s" (include "gphotos-sync.fullname" .root) .account.name }}
{{- end }}

{{/* An account's folder of the volume: subPath when given (even empty), else its name. */}}
{{- define "gphotos-sync.folder" -}}
{{- if hasKey . "subPath" }}{{ .subPath }}{{ else }}{{ .name }}{{ end }}
{{- end }}

{{/* The backup root of an account inside the container. */}}
{{- define "gphotos-sync.root" -}}
{{- $folder := include "gphotos-sync.folder" . }}
{{- if $folder }}{{ printf "/data/%s" $folder }}{{ else }}/data{{ end }}
{{- end }}

{{/*
The pod of one account: the CronJob's and the helm test's. Call with
(dict "root" $ "account" $a "args" (list ...)). It meets the Restricted Pod Security Standard.
*/}}
{{- define "gphotos-sync.podSpec" -}}
{{- $root := .root }}
{{- $a := .account }}
{{- $values := $root.Values -}}
restartPolicy: Never
serviceAccountName: {{ include "gphotos-sync.serviceAccountName" $root }}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds | int64 }}
{{- with $values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (include "gphotos-sync.affinity" $root | fromYaml) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- $sc := $values.podSecurityContext }}
securityContext:
  # The user and groups come from podSecurityContext; the rest is fixed (Restricted).
  runAsNonRoot: true
  runAsUser: {{ $sc.runAsUser | int64 }}
  runAsGroup: {{ $sc.runAsGroup | int64 }}
  fsGroup: {{ $sc.fsGroup | int64 }}
  fsGroupChangePolicy: {{ $sc.fsGroupChangePolicy | default "OnRootMismatch" }}
  seccompProfile:
    type: RuntimeDefault
containers:
  - name: gphotos-sync
    image: {{ include "gphotos-sync.image" $root | quote }}
    imagePullPolicy: {{ $values.image.pullPolicy }}
    # The image's entrypoint (tini, node with the bin's memory flags, gphotos-sync) is kept.
    args:
      {{- range .args }}
      - {{ . | quote }}
      {{- end }}
    envFrom:
      - configMapRef:
          name: {{ include "gphotos-sync.fullname" $root }}
    env:
      - name: GPHOTOS_ACCOUNT
        value: {{ $a.name | quote }}
      {{- if $a.tokenSecretManager }}
      - name: GPHOTOS_TOKEN_SECRET
        value: {{ $a.tokenSecretManager | quote }}
      {{- else }}
      - name: GPHOTOS_TOKEN_FILE
        value: /run/secrets/gphotos/token.json
      {{- end }}
      {{- if include "gphotos-sync.hasDatabaseUrl" $root }}
      - name: DATABASE_URL
        valueFrom:
          secretKeyRef:
            name: {{ include "gphotos-sync.secretName" $root }}
            key: DATABASE_URL
            optional: true
      {{- end }}
      {{- range $k, $v := $a.settings }}
      - name: {{ $k }}
        value: {{ include "gphotos-sync.envValue" $v }}
      {{- end }}
      {{- with $values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    resources:
      {{- toYaml $values.resources | nindent 6 }}
    securityContext:
      runAsNonRoot: true
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: ["ALL"]
      seccompProfile:
        type: RuntimeDefault
    volumeMounts:
      - name: data
        mountPath: /data
      {{- if not $a.tokenSecretManager }}
      - name: token
        mountPath: /run/secrets/gphotos
        readOnly: true
      {{- end }}
      - name: tmp
        mountPath: /tmp
      {{- with $values.extraVolumeMounts }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
volumes:
  - name: data
    persistentVolumeClaim:
      claimName: {{ include "gphotos-sync.claimName" $root }}
  {{- if not $a.tokenSecretManager }}
  - name: token
    secret:
      {{- if $a.tokenSecret }}
      secretName: {{ $a.tokenSecret.name }}
      {{- else }}
      secretName: {{ include "gphotos-sync.secretName" $root }}
      {{- end }}
      # 0440: readable by the fsGroup, written by nobody.
      defaultMode: 288
      items:
        - key: {{ if $a.tokenSecret }}{{ default "token.json" $a.tokenSecret.key }}{{ else }}{{ printf "%s.json" $a.name }}{{ end }}
          path: token.json
  {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: {{ $values.tmpSizeLimit | default "1Gi" }}
  {{- with $values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/*
"true" when several accounts share a ReadWriteOnce volume: one node at a time can mount it, so
their pods (passes and helm test pods) must run on one node.
*/}}
{{- define "gphotos-sync.sameNode" -}}
{{- $modes := .Values.persistence.accessModes }}
{{- if and (gt (len .Values.accounts) 1) (has "ReadWriteOnce" $modes) (not (has "ReadWriteMany" $modes)) }}true{{ end }}
{{- end }}

{{/*
The pods' affinity as YAML: the affinity value, plus, when gphotos-sync.sameNode, a required
podAffinity to the release's other pods on the same node. The scheduler places the first such
pod anywhere (a term its own labels match), and the next ones beside it while it runs.
*/}}
{{- define "gphotos-sync.affinity" -}}
{{- $aff := deepCopy (.Values.affinity | default dict) }}
{{- if include "gphotos-sync.sameNode" . }}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "gphotos-sync.selectorLabels" . | fromYaml)) }}
{{- $pod := get $aff "podAffinity" | default dict }}
{{- $req := get $pod "requiredDuringSchedulingIgnoredDuringExecution" | default list }}
{{- $_ := set $pod "requiredDuringSchedulingIgnoredDuringExecution" (append $req $term) }}
{{- $_ := set $aff "podAffinity" $pod }}
{{- end }}
{{- if $aff }}{{ toYaml $aff }}{{ end }}
{{- end }}

#!/bin/sh
# Renders secrets into /etc/asterisk, then runs Asterisk. The repository's config files hold
# placeholders only: each CHANGE_ME_<NAME> is replaced by the environment variable
# ASTERISK_<NAME> (CHANGE_ME_ARI_PASSWORD <- ASTERISK_ARI_PASSWORD, the same variable Switchboard
# reads; CHANGE_ME_RX1_PASSWORD <- ASTERISK_RX1_PASSWORD; CHANGE_ME_PIN <- ASTERISK_PIN).
set -eu

: "${ASTERISK_ARI_PASSWORD:?ASTERISK_ARI_PASSWORD must be set (see docker/.env.example)}"
case "$ASTERISK_ARI_PASSWORD" in
  CHANGE_ME_*) echo "asterisk-entrypoint: ASTERISK_ARI_PASSWORD is still the placeholder" >&2; exit 1 ;;
esac

for conf in /etc/asterisk/*.conf; do
  for placeholder in $(grep -o 'CHANGE_ME_[A-Z0-9][A-Z0-9_]*' "$conf" | sort -u); do
    var="ASTERISK_${placeholder#CHANGE_ME_}"
    value=$(printenv "$var" || true)
    case "$value" in CHANGE_ME_*) value= ;; esac
    if [ -z "$value" ]; then
      echo "asterisk-entrypoint: $var is not set; $placeholder stays in $(basename "$conf")" >&2
      continue
    fi
    escaped=$(printf '%s' "$value" | sed 's/[|&\\]/\\&/g')
    sed -i "s|\\b$placeholder\\b|$escaped|g" "$conf"
  done
done

exec "$@"

-- Other tools' incidents (Microsoft Sentinel's, kind 'external-incident')
-- are few and read whenever an incident is shown, to match them to it (the
-- SOC view): an index of their own, as alerts have, so that showing an
-- incident never scans a case of millions of telemetry events.
CREATE INDEX events_external_time ON events(time_ns) WHERE kind = 'external-incident';

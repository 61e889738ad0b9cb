-- analytics.events is loaded hourly by the ingest job from the clickstream bucket.
CREATE TABLE analytics.events (
    event_id     uuid        NOT NULL,
    user_id      bigint,
    session_id   text        NOT NULL,
    event_type   text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    payload      jsonb
);
-- No primary key: the loader appends. The daily active users dashboard counts distinct user_id
-- per day, and the checkout funnel counts events by event_type.

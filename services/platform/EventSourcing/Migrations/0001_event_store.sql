-- The event store of one service database. See services/platform/EventStore/README.md.

create table streams (
    id          text        primary key,
    type        text        not null,
    tenant      text        not null,
    version     bigint      not null,
    last_hash   bytea       not null,
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    archived    boolean     not null default false
);

create table events (
    global_position bigint      generated always as identity primary key,
    -- The writer's transaction id: readers take only events below the oldest running
    -- transaction, so an event committed late is never skipped.
    transaction_id  xid8        not null default pg_current_xact_id(),
    event_id        uuid        not null unique,
    stream_id       text        not null,
    stream_version  bigint      not null,
    type            text        not null,
    schema_version  int         not null,
    data            jsonb       not null,
    metadata        jsonb       not null,
    recorded_at     timestamptz not null,
    tenant          text        not null,
    hash            bytea       not null,
    unique (stream_id, stream_version)
);
create index events_commit_order on events (transaction_id, global_position);
create index events_tenant_recorded on events (tenant, recorded_at);

-- Where each subscription (forwarder, async projection) has got to, in commit order.
create table checkpoints (
    name            text        primary key,
    transaction_id  xid8        not null,
    global_position bigint      not null,
    updated_at      timestamptz not null
);

-- Exactly-once effects of consumed messages: the event id commits with the effect.
create table inbox (
    consumer     text        not null,
    event_id     uuid        not null,
    processed_at timestamptz not null,
    primary key (consumer, event_id)
);

-- Per consumer and source stream, the last version applied: events apply in version order.
create table inbox_streams (
    consumer  text   not null,
    stream_id text   not null,
    version   bigint not null,
    primary key (consumer, stream_id)
);

-- Append events to one stream in one call. Expected version: -1 any, 0 no stream, n exactly n.
-- Each event's hash chains the previous hash of its stream, its version and the digest of its
-- content (computed by the client over a canonical form it can recompute from stored rows):
--   hash(n) = sha256(hash(n-1) || int8be(n) || digest(n)),  hash(0) = empty.
create function ppid_append(
    p_stream_id       text,
    p_stream_type     text,
    p_tenant          text,
    p_expected        bigint,
    p_event_ids       uuid[],
    p_types           text[],
    p_schema_versions int[],
    p_data            jsonb[],
    p_metadata        jsonb[],
    p_digests         bytea[],
    p_recorded_at     timestamptz)
returns table (stream_version bigint, global_position bigint)
language plpgsql as $$
declare
    v_version bigint;
    v_hash    bytea;
    v_tenant  text;
    v_count   int := coalesce(array_length(p_event_ids, 1), 0);
    v_versions bigint[] := '{}';
    v_hashes  bytea[] := '{}';
begin
    if v_count = 0 then
        raise exception 'append needs at least one event' using errcode = 'PPA01';
    end if;

    select s.version, s.last_hash, s.tenant into v_version, v_hash, v_tenant
      from streams s where s.id = p_stream_id for update;
    if not found then
        if p_expected > 0 then
            raise exception 'stream % expected at version % but does not exist', p_stream_id, p_expected
                using errcode = 'PPV01', hint = '0';
        end if;
        insert into streams (id, type, tenant, version, last_hash, created_at, updated_at)
        values (p_stream_id, p_stream_type, p_tenant, 0, '\x', p_recorded_at, p_recorded_at)
        on conflict (id) do nothing;
        if found then
            v_version := 0; v_hash := '\x'; v_tenant := p_tenant;
        else
            -- Created by a concurrent writer that has committed since: take its state.
            select s.version, s.last_hash, s.tenant into v_version, v_hash, v_tenant
              from streams s where s.id = p_stream_id for update;
            if p_expected = 0 then
                raise exception 'stream % already exists at version %', p_stream_id, v_version
                    using errcode = 'PPV01', hint = v_version::text;
            end if;
        end if;
    elsif p_expected = 0 or (p_expected > 0 and p_expected <> v_version) then
        raise exception 'stream % is at version %, expected %', p_stream_id, v_version,
            case p_expected when 0 then 'no stream' else p_expected::text end
            using errcode = 'PPV01', hint = v_version::text;
    end if;

    if v_tenant <> p_tenant then
        raise exception 'stream % belongs to another tenant', p_stream_id using errcode = 'PPT01';
    end if;

    for i in 1 .. v_count loop
        v_version := v_version + 1;
        v_hash := sha256(v_hash || int8send(v_version) || p_digests[i]);
        v_versions := v_versions || v_version;
        v_hashes := v_hashes || v_hash;
    end loop;

    update streams set version = v_version, last_hash = v_hash, updated_at = p_recorded_at
     where id = p_stream_id;

    return query
    insert into events as e (event_id, stream_id, stream_version, type, schema_version, data,
                             metadata, recorded_at, tenant, hash)
    select u.event_id, p_stream_id, u.version, u.type, u.schema_version, u.data, u.metadata,
           p_recorded_at, p_tenant, u.hash
      from unnest(p_event_ids, v_versions, p_types, p_schema_versions, p_data, p_metadata, v_hashes)
           as u(event_id, version, type, schema_version, data, metadata, hash)
    returning e.stream_version, e.global_position;
end $$;

-- Stream ids are unique only within their source service: a consumer that follows several
-- services (the archive follows all of them) keys version order and parked events by both.
alter table inbox_streams add column source_service text not null default '';
alter table inbox_streams drop constraint inbox_streams_pkey;
alter table inbox_streams add primary key (consumer, source_service, stream_id);

alter table inbox_parked drop constraint inbox_parked_pkey;
alter table inbox_parked add primary key (consumer, source_service, stream_id, stream_version);

-- Whether a stream has events waiting in inbox_parked. Set under the stream row's lock when an
-- event is parked and recomputed when one is applied, so a consumer looks for parked successors
-- only when there are some (nearly never) instead of with every event it applies.
alter table inbox_streams add column parked boolean not null default false;
update inbox_streams s set parked = true
 where exists (select 1 from inbox_parked p
                where p.consumer = s.consumer and p.source_service = s.source_service and p.stream_id = s.stream_id);

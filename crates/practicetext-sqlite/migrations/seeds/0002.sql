-- Data as a version-2 database holds it: the directory of version 1 (as
-- in 0001.sql) and one record of each kind version 2 added, as written by
-- practicetext_store_tests::seeds::write_engine_records. Once released,
-- never edit: it stands for files already written.
INSERT INTO organizations (id, record) VALUES
    ('seed-org', '{"id":"seed-org","name":"Clínica Veterinária Zoë & Søn 🐾","settings":{"sms_enabled":false,"two_way_enabled":false,"time_zone":"America/Chicago","attachments":{"images":true,"documents":true},"policy":{"own_domains":["happypaws.example","bücher.example"],"help_reply":"Zoë & Søn: call us. Reply STOP to opt out."}}}');
INSERT INTO users (organization_id, username, record) VALUES
    ('seed-org', 'amir', '{"username":"amir","organization":"seed-org","display_name":"Dr. Ŝtefan \"Steve\" O''Brien-Nguyễn","extensions":["1234","0099887766"],"role":"admin","sms_enabled":true,"outbound_number":"+16502530001","assigned_numbers":["+16502530001","+16502530002"],"auto_responder":{"enabled":true,"text":"Out today — back tomorrow ✨"}}'),
    ('seed-org', 'zoe', '{"username":"zoe","organization":"seed-org","display_name":"","extensions":[],"role":"staff","sms_enabled":false,"outbound_number":null,"assigned_numbers":[]}');
INSERT INTO groups (organization_id, id, record) VALUES
    ('seed-org', 'front-desk', '{"id":"front-desk","organization":"seed-org","name":"Front desk — 受付","extension":"500","members":["zoe","amir","Émile"]}');
INSERT INTO numbers (number, organization_id, record) VALUES
    ('+16502530010', 'seed-org', '{"number":"+16502530010","organization":"seed-org","sms_enabled":true,"route":{"user":"amir"}}'),
    ('+16502530011', 'seed-org', '{"number":"+16502530011","organization":"seed-org","sms_enabled":true,"route":{"group":"front-desk"}}'),
    ('+16502530012', 'seed-org', '{"number":"+16502530012","organization":"seed-org","sms_enabled":true,"route":{"queue":"refills"}}'),
    ('+16502530013', 'seed-org', '{"number":"+16502530013","organization":"seed-org","sms_enabled":true,"route":null}');
INSERT INTO clients (organization_id, id, cell_phone, record) VALUES
    ('seed-org', 'c-1', '+16502530030', '{"id":"c-1","organization":"seed-org","kind":"contact","first_name":"Zoé 山田","last_name":"Ñúñez-Øberg \\ \"quoted\"\ttab","date_of_birth":"1947-02-28","cell_phone":"+16502530030","email":"zoe.yamada+pets@clinic.example"}');

-- Version 2: secure text, consent, rate windows, idempotency keys, conversations,
-- messages, history, inbox marks, presence and usage.
INSERT INTO secure_conversations VALUES('seed-org','secure-1',0,'{"id":"secure-1","organization":"seed-org","client":"c-1","recipient":{"kind":"patient","first_name":"Zoé","last_name":"Ñúñez","date_of_birth":"1980-02-03","cell_phone":"+16502530030","email":"zoe@clinic.example"},"notify":"both","created_at":"2026-11-23T15:00:00Z","version":0,"links":[{"token_hash":"CRDfK651va4vGSXgXwLZ22UkFTsRFlTCn-BprxXuqWo","sent_at":"2026-11-23T15:00:00Z","expires_at":"2026-11-26T15:00:00Z","replaced_at":null,"expiry_recorded":false}],"pin":null,"pin_failures":0,"identity_failures":0,"unlock_codes_sent":0,"unlock_code":null}');
INSERT INTO secure_links VALUES('seed-org',X'0910df2bae75bdae2f1925e05f02d9db6524153b111654c29fe069af15eea96a','secure-1');
INSERT INTO secure_events VALUES('seed-org','secure-1',1,'{"organization":"seed-org","conversation":"secure-1","at":"2026-11-23T15:00:00Z","type":"sent","notify":"both","expires_at":"2026-11-26T15:00:00Z"}');
INSERT INTO consent_states VALUES('seed-org','+16502530030','{"opted_out":true,"blocked":false,"suppressed":false,"updated_at":"2026-11-23T15:00:01Z"}');
INSERT INTO consent_history VALUES(1,'seed-org','+16502530030','{"at":"2026-11-23T15:00:01Z","number":"+16502530030","action":"opt_out","source":{"kind":"keyword","keyword":"STOP"},"raw_text":"STOP please — Zoë","via":"+16502530001","scope":{"kind":"organization","organization":"seed-org"}}');
INSERT INTO rate_acquisitions VALUES('seed-org','autoreply:seed-org:+16502530030',1795446002000000);
INSERT INTO idempotency_keys VALUES('inbound','SMheld',0,1795446062000000);
INSERT INTO idempotency_keys VALUES('inbound','SMseed',1,1795446062000000);
INSERT INTO conversations VALUES('seed-org','conv-0','{"kind":"sms","our_number":"+16502530010","outside_number":"+16502530030"}','closed','c-1','+16502530030',1795446000000000,'{"id":"conv-0","organization":"seed-org","participants":{"kind":"sms","our_number":"+16502530010","outside_number":"+16502530030"},"status":"closed","client":"c-1","started_at":"2026-11-23T15:00:00Z"}');
INSERT INTO conversations VALUES('seed-org','conv-1','{"kind":"sms","our_number":"+16502530010","outside_number":"+16502530030"}','active','c-1','+16502530030',1795446060000000,'{"id":"conv-1","organization":"seed-org","participants":{"kind":"sms","our_number":"+16502530010","outside_number":"+16502530030"},"status":"active","client":"c-1","started_at":"2026-11-23T15:01:00Z"}');
INSERT INTO messages VALUES(1,'seed-org','m-1','conv-1','inbound',1795446061000000,'{"id":"m-1","organization":"seed-org","conversation":"conv-1","direction":"inbound","author":"outside","body":"Is Rex ready? 🐕 Zoë — 山田 \"m-1\"","at":"2026-11-23T15:01:01Z","provider_id":"SMm-1"}');
INSERT INTO messages VALUES(2,'seed-org','m-2','conv-1','outbound',1795446062000000,'{"id":"m-2","organization":"seed-org","conversation":"conv-1","direction":"outbound","author":{"user":"amir"},"body":"Is Rex ready? 🐕 Zoë — 山田 \"m-2\"","at":"2026-11-23T15:01:02Z","provider_id":"SMm-2"}');
INSERT INTO history_entries VALUES('seed-org','conv-0','c-1','+16502530030',1795446030000000,'{"client":"c-1","conversation":{"id":"conv-0","organization":"seed-org","participants":{"kind":"sms","our_number":"+16502530010","outside_number":"+16502530030"},"status":"closed","client":"c-1","started_at":"2026-11-23T15:00:00Z"},"closed_at":"2026-11-23T15:00:30Z","closed_by":"amir","messages":[{"id":"conv-0-in","organization":"seed-org","conversation":"conv-0","direction":"inbound","author":"outside","body":"Is Rex ready? 🐕 Zoë — 山田 \"conv-0-in\"","at":"2026-11-23T15:00:01Z","provider_id":"SMconv-0-in"},{"id":"conv-0-out","organization":"seed-org","conversation":"conv-0","direction":"outbound","author":{"user":"amir"},"body":"Is Rex ready? 🐕 Zoë — 山田 \"conv-0-out\"","at":"2026-11-23T15:00:02Z","provider_id":"SMconv-0-out"}]}');
INSERT INTO inbox_marks VALUES('seed-org','amir','conv-1',1795446061000000,0);
INSERT INTO inbox_marks VALUES('seed-org','zoe','conv-1',1795446061000000,1);
INSERT INTO inbox_unread VALUES('seed-org','amir','conv-1','m-1');
INSERT INTO inbox_unread VALUES('seed-org','zoe','conv-1','m-1');
INSERT INTO presence VALUES('seed-org','amir','{"online":true,"last_login":"2026-11-23T15:00:03Z"}');
INSERT INTO usage_days VALUES('seed-org',739943,0,'',0,1,0,2);
INSERT INTO usage_days VALUES('seed-org',739943,1,'amir',1,0,1,0);

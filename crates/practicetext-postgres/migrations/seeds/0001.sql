-- Data as a version-1 database holds it (the records of the upgrade test's
-- seeded_directory). Once released, never edit: it stands for files already
-- written. (Updated before the first release, when settings gained `policy`.)
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

-- Every object of the extension says what it is: \d+, \df+, \dv+, \dT+ and
-- obj_description() explain it. Lists any object without a comment.
\i sql/include/setup.sql
SELECT pg_describe_object(d.classid, d.objid, 0) AS without_comment
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'credits') AND d.deptype = 'e'
   AND obj_description(d.objid, d.classid::regclass::name) IS NULL
   -- a table's row type and a view's are described by the relation
   AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (SELECT FROM pg_type t WHERE t.oid = d.objid AND t.typrelid <> 0
                                                        AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c'))
 ORDER BY 1;
SELECT count(*) > 80 AS described FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'credits') AND d.deptype = 'e';

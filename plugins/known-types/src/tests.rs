use faultline_filter_kit::testing::{run, shipped, want};

use super::KnownTypes;

fn kt() -> KnownTypes {
    shipped("known-types")
}

const FLINK: &str = "../../crates/stacktrace/tests/data/flink";

fn capture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{FLINK}/{name}.txt", env!("CARGO_MANIFEST_DIR")))
        .expect("capture")
}

#[test]
fn real_captures_of_platform_failures() {
    assert_eq!(run(&kt(), &capture("tm-killed")), want("system", "tm-lost"));
    assert_eq!(
        run(&kt(), &capture("tm-frozen")),
        want("system", "heartbeat-timeout")
    );
    assert_eq!(
        run(&kt(), &capture("tm-frozen-rm")),
        want("system", "heartbeat-timeout")
    );
    assert_eq!(
        run(&kt(), &capture("too-many-slots")),
        want("system", "no-resources")
    );
}

#[test]
fn user_failures_are_left_to_later_filters() {
    assert_eq!(run(&kt(), &capture("failing-map")), (None, None));
    assert_eq!(run(&kt(), &capture("closed-port")), (None, None));
}

#[test]
fn rpc_partition_network_and_failover() {
    let t = "org.apache.flink.runtime.rpc.exceptions.RecipientUnreachableException: Could not send message [RemoteRpcInvocation(x)] from sender [unknown] to recipient [pekko.tcp://flink@h:6123/user/rpc/jobmanager_2], because the recipient is unreachable.\n\tat org.apache.flink.runtime.rpc.pekko.PekkoInvocationHandler.lambda$invokeRpc$1(PekkoInvocationHandler.java:260)\n";
    assert_eq!(run(&kt(), t), want("system", "rpc"));
    let t = "java.util.concurrent.CompletionException: org.apache.pekko.pattern.AskTimeoutException: Ask timed out on [Actor[pekko://flink/user/rpc/dispatcher_0#1]] after [10000 ms].\nCaused by: org.apache.pekko.pattern.AskTimeoutException: Ask timed out on [Actor[pekko://flink/user/rpc/dispatcher_0#1]] after [10000 ms].\n\tat org.apache.pekko.pattern.PromiseActorRef$.$anonfun$defaultOnTimeout$1(AskSupport.scala:701)\n";
    assert_eq!(run(&kt(), t), want("system", "rpc"));
    let t = "org.apache.flink.runtime.io.network.partition.PartitionNotFoundException: Partition 1@2 not found.\n\tat org.apache.flink.runtime.io.network.partition.ResultPartitionManager.createSubpartitionView(ResultPartitionManager.java:70)\n";
    assert_eq!(run(&kt(), t), want("system", "partition-not-found"));
    let t = "org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Connection unexpectedly closed by remote task manager 'h/10.0.0.1:3456'. This might indicate that the remote task manager was lost.\n\tat org.apache.flink.runtime.io.network.netty.CreditBasedPartitionRequestClientHandler.channelInactive(CreditBasedPartitionRequestClientHandler.java:134)\n";
    assert_eq!(run(&kt(), t), want("system", "tm-lost"));
    let t = "org.apache.flink.runtime.io.network.netty.exception.LocalTransportException: readAddress(..) failed: Connection timed out (connection to 'h/10.0.0.2:3456')\n\tat org.apache.flink.runtime.io.network.netty.CreditBasedPartitionRequestClientHandler.exceptionCaught(CreditBasedPartitionRequestClientHandler.java:165)\n";
    assert_eq!(run(&kt(), t), want("system", "network"));
    let t = "org.apache.flink.util.FlinkException: JobManager responsible for 6b0f lost the leadership.\n\tat org.apache.flink.runtime.taskexecutor.TaskExecutor.disconnectJobManagerConnection(TaskExecutor.java:1700)\n";
    assert_eq!(run(&kt(), t), want("system", "jm-failover"));
}

#[test]
fn class_loading_and_configuration_are_the_users() {
    let t = "org.apache.flink.streaming.runtime.tasks.StreamTaskException: Cannot load user class: com.acme.Fn\nClassLoader info: URL ClassLoader:\nCaused by: java.lang.ClassNotFoundException: com.acme.Fn\n\tat java.net.URLClassLoader.findClass(URLClassLoader.java:387)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
    let t = "org.apache.flink.table.api.ValidationException: Unable to create a sink for writing table 'default_catalog.default_database.out'.\nCaused by: org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'kafka' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.\n\tat org.apache.flink.table.factories.FactoryUtil.discoverFactory(FactoryUtil.java:608)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
    let t = "org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 17: Column 'idx' not found in any table\n\tat org.apache.flink.table.planner.calcite.FlinkPlannerImpl.validate(FlinkPlannerImpl.scala:186)\n";
    assert_eq!(run(&kt(), t), want("user", "user-config"));
}

#[test]
fn the_root_cause_is_weighed_first_and_decided_records_are_left_alone() {
    // A wrapper mentioning a lost TaskManager around a class-loading error: the root cause wins.
    let t = "java.lang.RuntimeException: the assigned slot was lost\nCaused by: java.lang.NoClassDefFoundError: com/acme/Missing\n\tat com.acme.Job.map(Job.java:1)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
    let rec = faultline_filter_kit::testing::record_with(
        &capture("tm-killed"),
        &[],
        &[("blame", "user")],
    );
    let v = faultline_sdk::Filter::classify(&kt(), &faultline_sdk::Failure::new(&rec));
    assert!(v.is_empty());
}

#[test]
fn a_rule_without_blame_or_pattern_is_refused() {
    let bad = serde_json::json!({"rules": [{"exception": "X", "category": "c"}]});
    let config: super::Config = serde_json::from_value(bad).unwrap();
    assert!(<KnownTypes as faultline_sdk::Filter>::new(config).is_err());
    let bad = serde_json::json!({"rules": [{"blame": "user", "category": "c"}]});
    let config: super::Config = serde_json::from_value(bad).unwrap();
    assert!(<KnownTypes as faultline_sdk::Filter>::new(config).is_err());
}

const JOB: &str = "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:213)\n";

#[test]
fn a_lost_execution_is_rpc() {
    // local-big-accumulator: the final state update never reached the JobMaster.
    let t = format!(
        "{JOB}Caused by: org.apache.flink.util.FlinkException: Execution f9ce_cbc3_0_0 is unexpectedly no longer running on task executor 127.0.0.1:42987-bda5bc.\n\tat org.apache.flink.runtime.jobmaster.JobMaster$1.onMissingDeploymentsOf(JobMaster.java:299)\n"
    );
    assert_eq!(run(&kt(), &t), want("system", "rpc"));
}

#[test]
fn a_custom_partitioners_bad_channel() {
    // local-bad-partitioner: only Flink frames, the partitioner has returned.
    let t = format!(
        "{JOB}Caused by: java.lang.ArrayIndexOutOfBoundsException: Index 2 out of bounds for length 2\n\tat org.apache.flink.runtime.io.network.partition.BufferWritingResultPartition.emitRecord(BufferWritingResultPartition.java:166)\n\tat org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit(RecordWriter.java:108)\n\tat org.apache.flink.runtime.io.network.api.writer.ChannelSelectorRecordWriter.emit(ChannelSelectorRecordWriter.java:55)\n"
    );
    assert_eq!(run(&kt(), &t), want("user", "user-code"));
}

#[test]
fn recursion_is_the_jobs_code() {
    let t = format!(
        "{JOB}Caused by: java.lang.StackOverflowError\n\tat java.base/java.util.HashMap.hash(HashMap.java:338)\n\tat java.base/java.util.HashMap.get(HashMap.java:556)\n"
    );
    assert_eq!(run(&kt(), &t), want("user", "user-code"));
}

#[test]
fn file_system_schemes_and_tls_endpoints() {
    // blog-sjf0115-hadoop-not-in-classpath: Hadoop missing from the job's classpath.
    let t = "org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Could not find a file system implementation for scheme 'hdfs'. The scheme is not directly supported by Flink and no Hadoop file system to support this scheme could be loaded.\n\tat org.apache.flink.core.fs.FileSystem.getUnguardedFileSystem(FileSystem.java:531)\nCaused by: org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Hadoop is not in the classpath/dependencies.\n\tat org.apache.flink.core.fs.UnsupportedSchemeFactory.create(UnsupportedSchemeFactory.java:55)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
    // local-s3-without-plugin: the cluster lacks the plugin the job's sink needs.
    let t = "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Could not create committable serializer.\n\tat org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:376)\nCaused by: org.apache.flink.core.fs.UnsupportedFileSystemSchemeException: Could not find a file system implementation for scheme 's3'. The scheme is directly supported by Flink through the following plugin(s): flink-s3-fs-hadoop, flink-s3-fs-presto.\n\tat org.apache.flink.core.fs.FileSystem.getUnguardedFileSystem(FileSystem.java:564)\n";
    assert_eq!(run(&kt(), t), want("user", "user-config"));
    // local-tls-to-plain: https:// against a plain HTTP port.
    let t = format!(
        "{JOB}Caused by: javax.net.ssl.SSLException: Unrecognized SSL message, plaintext connection?\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:585)\n\tat com.acme.jobs.TlsToPlain$Call.map(TlsToPlain.java:31)\n"
    );
    assert_eq!(run(&kt(), &t), want("user", "user-config"));
    // faq-dinky-hdfs-nameservice: an HA nameservice alias without its Hadoop configuration.
    let t = "java.io.IOException: Cannot instantiate file system for URI: hdfs://nameservice/flink/lib\nCaused by: java.lang.IllegalArgumentException: java.net.UnknownHostException: nameservice\n";
    assert_eq!(run(&kt(), t), want("user", "user-config"));
}

#[test]
fn a_lambda_class_kryo_cannot_find_is_left_to_serialization() {
    // local-kryo-lambda-field.
    let t = format!(
        "{JOB}Caused by: com.esotericsoftware.kryo.KryoException: Unable to find class: com.acme.jobs.KryoLambdaField$$Lambda$1062/0x00007fb41f741430\nSerialization trace:\nformat (com.acme.jobs.KryoLambdaField$Metric)\n\tat com.esotericsoftware.kryo.util.DefaultClassResolver.readName(DefaultClassResolver.java:182)\nCaused by: java.lang.ClassNotFoundException: com.acme.jobs.KryoLambdaField$$Lambda$1062/0x00007fb41f741430\n\tat java.base/java.lang.Class.forName0(Native Method)\n\t... 24 more\n"
    );
    assert_eq!(run(&kt(), &t), (None, None));
}

#[test]
fn database_objects_the_job_names_and_partition_connections() {
    // local-jdbc-database-missing.
    let t = format!(
        "{JOB}Caused by: java.io.IOException: java.io.IOException: cannot open the orders database\n\tat com.acme.jobs.JdbcOrdersSink$OrderSink.createWriter(JdbcOrdersSink.java:45)\nCaused by: org.postgresql.util.PSQLException: org.postgresql.util.PSQLException: FATAL: database \"order\" does not exist\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)\n"
    );
    assert_eq!(run(&kt(), &t), want("user", "user-config"));
    // local-batch-producer-tm-killed: the consumer's partition request.
    let t = format!(
        "{JOB}Caused by: org.apache.flink.runtime.io.network.partition.consumer.PartitionConnectionException: Connection for partition 52fe#0@5e79 not reachable.\n\tat org.apache.flink.runtime.io.network.partition.consumer.RemoteInputChannel.requestSubpartitions(RemoteInputChannel.java:226)\nCaused by: org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Connecting to remote task manager '/127.0.0.1:38571 [ 127.0.0.1:34447-b1232c ] ' has failed. This might indicate that the remote task manager has been lost.\n\tat org.apache.flink.runtime.io.network.netty.PartitionRequestClientFactory.connect(PartitionRequestClientFactory.java:163)\nCaused by: java.net.ConnectException: finishConnect(..) failed: Connection refused\n\tat org.apache.flink.shaded.netty4.io.netty.channel.unix.Errors.newConnectException0(Errors.java:166)\n"
    );
    assert_eq!(run(&kt(), &t), want("system", "partition-not-found"));
}

#[test]
fn a_leaked_user_class_loader() {
    let t = "java.lang.IllegalStateException: Trying to access closed classloader. Please check if you store classloaders directly or indirectly in static fields.\n\tat org.apache.flink.runtime.execution.librarycache.FlinkUserCodeClassLoaders$SafetyNetWrapperClassLoader.ensureInner(FlinkUserCodeClassLoaders.java:184)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
}

#[test]
fn database_servers_refusing_the_jobs_statement_or_data() {
    // JDBC 4 drivers (MySQL, MariaDB) say the SQLState class by type.
    for (class, category) in [
        ("java.sql.SQLSyntaxErrorException", "user-config"),
        (
            "java.sql.SQLInvalidAuthorizationSpecException",
            "user-config",
        ),
        (
            "com.mysql.jdbc.exceptions.jdbc4.MySQLSyntaxErrorException",
            "user-config",
        ),
        (
            "java.sql.SQLIntegrityConstraintViolationException",
            "user-code",
        ),
        ("java.sql.SQLDataException", "user-code"),
        ("java.sql.DataTruncation", "user-code"),
    ] {
        let t = format!(
            "{class}: (conn=7) something the server said\n\tat org.mariadb.jdbc.internal.util.exceptions.ExceptionFactory.createException(ExceptionFactory.java:62)\n"
        );
        assert_eq!(run(&kt(), &t), want("user", category), "{class}");
    }
    // PostgreSQL's driver has one type: the server's message says the class.
    for (message, category) in [
        ("ERROR: column \"tierr\" does not exist", "user-config"),
        (
            "ERROR: permission denied for table order_events",
            "user-config",
        ),
        (
            "FATAL: no pg_hba.conf entry for host \"10.0.0.5\", user \"flink\", database \"orders\", no encryption",
            "user-config",
        ),
        ("The server does not support SSL.", "user-config"),
        (
            "ERROR: duplicate key value violates unique constraint \"order_events_pkey\"",
            "user-code",
        ),
        (
            "ERROR: null value in column \"note\" of relation \"order_events\" violates not-null constraint",
            "user-code",
        ),
        (
            "ERROR: value too long for type character varying(8)",
            "user-code",
        ),
        (
            "ERROR: invalid input syntax for type integer: \"abc\"",
            "user-code",
        ),
    ] {
        let t = format!(
            "java.io.IOException: writing order 7 failed\n\tat com.acme.Sink.invoke(Sink.java:1)\nCaused by: org.postgresql.util.PSQLException: {message}\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)\n\t... 1 more\n"
        );
        assert_eq!(run(&kt(), &t), want("user", category), "{message}");
    }
    // The server's own trouble is not the job's: left to the dependency filter.
    for message in [
        "FATAL: sorry, too many clients already",
        "ERROR: cannot execute INSERT in a read-only transaction",
        "ERROR: canceling statement due to statement timeout",
        "FATAL: terminating connection due to administrator command",
    ] {
        let t = format!(
            "org.postgresql.util.PSQLException: {message}\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)\n"
        );
        assert_eq!(run(&kt(), &t), (None, None), "{message}");
    }
}

#[test]
fn kafka_refusing_the_jobs_settings_or_records() {
    for (t, category) in [
        (
            "org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [orders]",
            "user-config",
        ),
        (
            "org.apache.flink.kafka.shaded.org.apache.kafka.common.errors.GroupAuthorizationException: Not authorized to access group: g1",
            "user-config",
        ),
        (
            "org.apache.kafka.common.errors.RecordTooLargeException: The message is 1200000 bytes when serialized which is larger than 1048576, which is the value of the max.request.size configuration.",
            "user-config",
        ),
        (
            "org.apache.kafka.common.errors.SerializationException: Error deserializing key/value for partition orders-0 at offset 12",
            "serialization",
        ),
    ] {
        assert_eq!(
            run(
                &kt(),
                &format!(
                    "{t}\n\tat org.apache.kafka.clients.producer.KafkaProducer.doSend(KafkaProducer.java:1)\n"
                )
            ),
            want("user", category),
            "{t}"
        );
    }
    // Brokers that are down are the dependency filter's.
    let t = "org.apache.kafka.common.errors.TimeoutException: Topic orders not present in metadata after 60000 ms.\n";
    assert_eq!(run(&kt(), t), (None, None));
}

#[test]
fn other_stores_answering_that_the_job_asked_wrongly() {
    for (t, category) in [
        (
            "org.apache.hadoop.hbase.TableNotFoundException: orders:events",
            "user-config",
        ),
        (
            "redis.clients.jedis.exceptions.JedisDataException: NOAUTH Authentication required.",
            "user-config",
        ),
        (
            "redis.clients.jedis.exceptions.JedisDataException: WRONGTYPE Operation against a key holding the wrong kind of value",
            "user-code",
        ),
        (
            "com.mongodb.MongoWriteException: E11000 duplicate key error collection: shop.orders index: _id_ dup key: { _id: 7 }",
            "user-code",
        ),
    ] {
        assert_eq!(
            run(
                &kt(),
                &format!("{t}\n\tat com.acme.Sink.invoke(Sink.java:1)\n")
            ),
            want("user", category),
            "{t}"
        );
    }
}

#[test]
fn services_answering_the_request_is_not_allowed_or_malformed() {
    for (t, category) in [
        (
            "java.io.IOException: Server returned HTTP response code: 401 for URL: http://api.acme/x",
            "user-config",
        ),
        (
            "java.io.FileNotFoundException: http://api.acme/v1/rates",
            "user-config",
        ),
        (
            "com.amazonaws.services.s3.model.AmazonS3Exception: The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket)",
            "user-config",
        ),
        (
            "org.apache.http.client.HttpResponseException: status code: 400, reason phrase: Bad Request",
            "user-code",
        ),
    ] {
        assert_eq!(
            run(
                &kt(),
                &format!("{t}\n\tat com.acme.Enrich.map(Enrich.java:40)\n")
            ),
            want("user", category),
            "{t}"
        );
    }
    // A local file the job cannot find is not a web service's answer.
    let t = "java.io.FileNotFoundException: /data/input.csv (No such file or directory)\n\tat java.io.FileInputStream.open0(Native Method)\n";
    assert_eq!(run(&kt(), t), (None, None));
}

#[test]
fn missing_input_paths() {
    let t = "org.apache.flink.runtime.JobException: Creating the input splits caused an error: File /data/in does not exist or the user running Flink ('flink') has insufficient permissions to access it.\n\tat org.apache.flink.runtime.executiongraph.ExecutionJobVertex.<init>(ExecutionJobVertex.java:260)\n";
    assert_eq!(run(&kt(), t), want("user", "user-config"));
}

#[test]
fn formats_that_cannot_parse_the_jobs_records() {
    let t = "org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParseException: Unrecognized token 'a': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (byte[])\"a\"; line: 1, column: 2]\n\tat org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParser._constructError(JsonParser.java:2337)\n\tat org.apache.flink.formats.json.JsonRowDataDeserializationSchema.deserialize(JsonRowDataDeserializationSchema.java:1)\n";
    assert_eq!(run(&kt(), t), want("user", "serialization"));
    let t = "com.google.protobuf.InvalidProtocolBufferException: Protocol message contained an invalid tag (zero).\n\tat com.google.protobuf.CodedInputStream.readTag(CodedInputStream.java:1)\n";
    assert_eq!(run(&kt(), t), want("user", "serialization"));
}

#[test]
fn table_factories_missing_or_not_fitting() {
    let t = "org.apache.flink.table.api.TableException: Could not instantiate the executor. Make sure a planner module is on the classpath\nCaused by: org.apache.flink.table.api.ValidationException: Could not find any factories that implement 'org.apache.flink.table.delegation.ExecutorFactory' in the classpath.\n\tat org.apache.flink.table.factories.FactoryUtil.discoverFactory(FactoryUtil.java:1)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
    let t = "org.apache.flink.table.api.NoMatchingTableFactoryException: Could not find a suitable table factory for 'org.apache.flink.table.factories.TableSourceFactory' in\nthe classpath.\n\nReason: No factory supports all properties.\n\tat org.apache.flink.table.factories.TableFactoryService.filterBySupportedProperties(TableFactoryService.java:1)\n";
    assert_eq!(run(&kt(), t), want("user", "user-config"));
}

#[test]
fn a_remote_shuffle_service_is_the_platforms() {
    let t = "java.io.IOException: org.apache.celeborn.common.exception.CelebornIOException: Failed to connect to node7/10.0.0.7:23924\nCaused by: org.apache.celeborn.common.exception.CelebornIOException: Failed to connect to node7/10.0.0.7:23924\n\tat org.apache.celeborn.common.network.client.TransportClientFactory.createClient(TransportClientFactory.java:1)\nCaused by: java.net.ConnectException: Connection refused\n\tat sun.nio.ch.Net.connect0(Native Method)\n\t... 1 more\n";
    assert_eq!(run(&kt(), t), want("system", "partition-not-found"));
}

#[test]
fn taskmanagers_not_answering_the_jobmanager() {
    let t = "java.lang.Exception: Cannot deploy task Map (1/1) (0b4d) - TaskManager (4e65 @ node-072 (dataPort=42246)) not responding after a rpcTimeout of 10000 ms\n\tat org.apache.flink.runtime.executiongraph.Execution$2.apply(Execution.java:1)\n";
    assert_eq!(run(&kt(), t), want("system", "rpc"));
}

#[test]
fn python_modules_missing_on_the_workers_are_class_loading() {
    let t = "java.lang.RuntimeException: Error received from SDK harness for instruction 1: Traceback (most recent call last):\n  File \"/usr/lib/python3.11/site-packages/pyflink/fn_execution/beam/beam_operations.py\", line 64, in create_scalar_function\n    return pickle.loads(payload)\nModuleNotFoundError: No module named 'acme_fx'\n\n\tat org.apache.beam.runners.fnexecution.control.FnApiControlClient$ResponseStreamObserver.onNext(FnApiControlClient.java:180)\n";
    assert_eq!(run(&kt(), t), want("user", "class-loading"));
}

use faultline_filter_kit::testing::{run, shipped, want};

use super::{Serialization, class_names};

fn ser() -> Serialization {
    shipped("serialization")
}

#[test]
fn class_names_in_messages() {
    let found: Vec<_> = class_names("Serialization trace:\ntags (com.acme.jobs.KryoUnmodifiable$Reading) at 127.0.0.1 in config.yaml.").collect();
    assert_eq!(found, ["com.acme.jobs.KryoUnmodifiable$Reading"]);
    let found: Vec<_> =
        class_names("class com.acme.A cannot be cast to class com.acme.B (in unnamed module)")
            .collect();
    assert_eq!(found, ["com.acme.A", "com.acme.B"]);
}

#[test]
fn real_kryo_failure_of_a_user_type_is_the_users() {
    let trace = std::fs::read_to_string(format!(
        "{}/../../crates/stacktrace/tests/data/flink/kryo-unmodifiable.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("capture");
    assert_eq!(run(&ser(), &trace), want("user", "serialization"));
}

#[test]
fn only_flink_types_blame_the_system() {
    let t = "java.io.IOException: Could not deserialize org.apache.flink.runtime.checkpoint.CheckpointMetrics\n\tat org.apache.flink.util.InstantiationUtil.deserializeObject(InstantiationUtil.java:1)\n";
    assert_eq!(run(&ser(), t), want("system", "flink-runtime"));
}

#[test]
fn incompatible_state_is_the_users() {
    let t = "java.lang.RuntimeException: Error while getting state\nCaused by: org.apache.flink.util.StateMigrationException: The new state serializer (org.apache.flink.api.common.typeutils.base.LongSerializer@1) must not be incompatible with the old state serializer (org.apache.flink.api.java.typeutils.runtime.PojoSerializer@2).\n\tat org.apache.flink.contrib.streaming.state.RocksDBKeyedStateBackend.updateRestoredStateMetaInfo(RocksDBKeyedStateBackend.java:1)\n";
    assert_eq!(run(&ser(), t), want("user", "state-incompatible"));
}

#[test]
fn avro_with_a_user_type_and_a_pojo_npe() {
    let t = "java.lang.RuntimeException: in com.app.model.Line in string null of string in field key of com.app.model.Line\n\tat org.apache.avro.reflect.ReflectDatumWriter.write(ReflectDatumWriter.java:1)\n";
    assert_eq!(run(&ser(), t), want("user", "serialization"));
    let t = "java.lang.NullPointerException\n\tat org.apache.flink.api.common.typeutils.base.StringSerializer.serialize(StringSerializer.java:1)\n\tat org.apache.flink.api.java.typeutils.runtime.PojoSerializer.serialize(PojoSerializer.java:1)\n";
    assert_eq!(run(&ser(), t), want("user", "serialization"));
}

#[test]
fn other_failures_are_not_serialization() {
    let t = "java.lang.IllegalStateException: bad record 42\n\tat com.acme.Job.map(Job.java:1)\n\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:1)\n";
    assert_eq!(run(&ser(), t), (None, None));
}

#[test]
fn a_format_error_restoring_state_through_a_serializer_is_incompatible_state() {
    let t = "java.lang.RuntimeException: restore failed\nCaused by: java.io.EOFException\n\tat org.apache.flink.core.memory.DataInputDeserializer.readBoolean(DataInputDeserializer.java:1)\n\tat com.example.connector.SplitSerializer.deserialize(SplitSerializer.java:1)\n\tat org.apache.flink.core.io.SimpleVersionedSerialization.readVersionAndDeSerialize(SimpleVersionedSerialization.java:1)\n\tat org.apache.flink.streaming.api.operators.util.SimpleVersionedListState$DeserializingIterator.next(SimpleVersionedListState.java:1)\n";
    assert_eq!(run(&ser(), t), want("user", "state-incompatible"));
}

#[test]
fn a_closure_of_the_job_that_cannot_be_serialized_is_the_users() {
    let t = "org.apache.flink.api.common.InvalidProgramException: x is not serializable. The object probably contains or references non serializable fields.\n\tat org.apache.flink.api.java.ClosureCleaner.clean(ClosureCleaner.java:151)\n\tat com.example.Source.getDataStream(Source.java:29)\nCaused by: java.io.NotSerializableException: org.apache.flink.table.api.TableSchema\n\tat java.io.ObjectOutputStream.writeObject0(ObjectOutputStream.java:1184)\n";
    assert_eq!(run(&ser(), t), want("user", "serialization"));
}

#[test]
fn the_closure_cleaner_refused_access_on_java_17() {
    // The shape of a closure holding a JDK object (java.net.http.HttpClient)
    // at submission on Java 17: the JDK's module check inside Flink's ClosureCleaner.
    let t = "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Unable to make field final jdk.internal.net.http.HttpClientImpl jdk.internal.net.http.HttpClientFacade.impl accessible: module java.net.http does not \"opens jdk.internal.net.http\" to unnamed module @5a2e4553\n\tat org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:376)\nCaused by: java.lang.reflect.InaccessibleObjectException: Unable to make field final jdk.internal.net.http.HttpClientImpl jdk.internal.net.http.HttpClientFacade.impl accessible: module java.net.http does not \"opens jdk.internal.net.http\" to unnamed module @5a2e4553\n\tat java.base/java.lang.reflect.AccessibleObject.checkCanSetAccessible(AccessibleObject.java:354)\n\tat java.base/java.lang.reflect.Field.setAccessible(Field.java:172)\n\tat org.apache.flink.api.java.ClosureCleaner.clean(ClosureCleaner.java:101)\n\tat org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.clean(StreamExecutionEnvironment.java:2335)\n\tat com.acme.Job.main(Job.java:20)\n";
    assert_eq!(run(&ser(), t), want("user", "serialization"));
}

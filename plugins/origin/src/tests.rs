use faultline_filter_kit::testing::{decision, record_with, run, shipped, want};
use faultline_sdk::{Failure, Filter};

use super::OriginFilter;

fn origin() -> OriginFilter {
    shipped("origin")
}

fn capture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../crates/stacktrace/tests/data/flink/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("capture")
}

#[test]
fn real_user_failures() {
    assert_eq!(
        run(&origin(), &capture("failing-map")),
        want("user", "user-code")
    );
    assert_eq!(
        run(&origin(), &capture("lambda-npe")),
        want("user", "user-code")
    );
}

#[test]
fn jdk_frames_on_top_are_passed_over() {
    let t = "java.lang.NumberFormatException: For input string: \"x\"\n\tat java.lang.Integer.parseInt(Integer.java:652)\n\tat com.acme.Parse.map(Parse.java:9)\n\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)\n";
    assert_eq!(run(&origin(), t), want("user", "user-code"));
}

#[test]
fn flink_runtime_on_top_is_the_system() {
    let t = "java.lang.IllegalStateException: Buffer pool is destroyed.\n\tat org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegment(LocalBufferPool.java:1)\n\tat org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit(RecordWriter.java:1)\n";
    assert_eq!(run(&origin(), t), want("system", "flink-runtime"));
}

#[test]
fn user_code_calling_flink_state_is_the_users() {
    let t = "java.lang.NullPointerException: No key set. This method should not be called outside of a keyed context.\n\tat org.apache.flink.util.Preconditions.checkNotNull(Preconditions.java:76)\n\tat org.apache.flink.runtime.state.heap.StateTable.checkKeyNamespacePreconditions(StateTable.java:270)\n\tat org.apache.flink.runtime.state.heap.HeapValueState.value(HeapValueState.java:73)\n\tat com.acme.Dedup.processElement(Dedup.java:30)\n\tat org.apache.flink.streaming.api.operators.ProcessOperator.processElement(ProcessOperator.java:66)\n";
    assert_eq!(run(&origin(), t), want("user", "user-code"));
}

#[test]
fn class_loading_errors() {
    let t = "java.lang.RuntimeException: x\nCaused by: java.lang.NoSuchMethodError: org.apache.flink.api.Foo.bar()V\n\tat com.acme.Job.main(Job.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "class-loading"));
}

#[test]
fn with_a_user_jar_unknown_is_not_user() {
    let strict: OriginFilter = OriginFilter::new(super::Config {
        unknown_is_user: false,
        api_frames: vec![],
        user_packages: vec![],
        platform_packages: vec![],
        class_loading: vec![],
        connector_frames: vec![],
        misuse_exceptions: vec![],
        library_only_is_user: true,
        cast_platform_packages: vec![],
        called_api_depth: 0,
        python_platform_paths: vec![],
        python_library_paths: vec![],
        python_coder_paths: vec![],
    })
    .unwrap();
    let t = "java.lang.IllegalStateException: x\n\tat com.other.Lib.call(Lib.java:1)\n\tat com.acme.Job.map(Job.java:1)\n\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)\n";
    let rec = record_with(t, &["com.acme"], &[]);
    assert_eq!(
        decision(&strict.classify(&Failure::new(&rec))),
        want("user", "user-code")
    );
    let rec = record_with(t, &[], &[]);
    assert_eq!(
        decision(&strict.classify(&Failure::new(&rec))),
        want("system", "flink-runtime")
    );
}

#[test]
fn connectors_and_misused_flink_apis_are_configuration() {
    let t = "java.lang.IllegalStateException: The connector is misconfigured\n\tat com.ververica.cdc.connectors.mysql.source.MySqlSource.createReader(MySqlSource.java:1)\n\tat org.apache.flink.streaming.api.operators.SourceOperator.initReader(SourceOperator.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "user-config"));
    let t = "java.lang.IllegalArgumentException: Could not parse value 'x' for key 'parallelism.default'.\n\tat org.apache.flink.configuration.Configuration.getOptional(Configuration.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "user-config"));
}

#[test]
fn a_library_only_chain_was_called_by_the_job() {
    let t = "com.alibaba.dubbo.rpc.RpcException: invoker destroyed\n\tat com.alibaba.dubbo.rpc.cluster.support.AbstractClusterInvoker.invoke(AbstractClusterInvoker.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "user-code"));
}

#[test]
fn casts_between_library_classes_are_classpath_conflicts() {
    let t = "java.lang.ClassCastException: org.codehaus.janino.CompilerFactory cannot be cast to org.codehaus.commons.compiler.ICompilerFactory\n\tat org.codehaus.commons.compiler.CompilerFactoryFactory.getCompilerFactory(CompilerFactoryFactory.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "class-loading"));
    let t = "java.lang.ClassCastException: class com.acme.A cannot be cast to class com.acme.A (com.acme.A is in unnamed module of loader 'app')\n\tat com.acme.Job.map(Job.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "class-loading"));
    let t = "java.lang.ClassCastException: java.lang.String cannot be cast to com.acme.Event\n\tat com.acme.Job.map(Job.java:1)\n";
    assert_eq!(run(&origin(), t), want("user", "user-code"));
}

#[test]
fn a_cast_between_jdk_classes_is_the_jobs_bad_cast() {
    // local-cast-in-filter: a Map<String, Object> field holds an Integer.
    let t = "java.lang.ClassCastException: class java.lang.Integer cannot be cast to class java.lang.String (java.lang.Integer and java.lang.String are in module java.base of loader 'bootstrap')\n\tat com.acme.jobs.CastInFilter$OnlyDutch.filter(CastInFilter.java:21)\n\tat org.apache.flink.streaming.api.operators.StreamFilter.processElement(StreamFilter.java:37)\n";
    assert_eq!(run(&origin(), t), want("user", "user-code"));
}

#[test]
fn process_function_contexts_are_apis_the_job_calls() {
    // local-non-keyed-timer: a timer registered on a non-keyed stream.
    let t = "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:213)\nCaused by: java.lang.UnsupportedOperationException: Setting timers is only supported on a keyed streams.\n\tat org.apache.flink.streaming.api.operators.ProcessOperator$ContextImpl.registerProcessingTimeTimer(ProcessOperator.java:116)\n\tat com.acme.jobs.NonKeyedTimer$Timeout.processElement(NonKeyedTimer.java:13)\n\tat org.apache.flink.streaming.api.operators.ProcessOperator.processElement(ProcessOperator.java:64)\n";
    assert_eq!(run(&origin(), t), want("user", "user-code"));
}

#[test]
fn flink_code_the_job_called_directly_refused_the_call() {
    // local-non-keyed-timer's frames, with no api-frames listed: the context
    // method is one Flink frame above the job's processElement.
    let config: super::Config =
        serde_json::from_value(serde_json::json!({"called-api-depth": 2})).unwrap();
    let generic = OriginFilter::new(config).unwrap();
    let t = "java.lang.UnsupportedOperationException: Setting timers is only supported on a keyed streams.\n\tat org.apache.flink.streaming.api.operators.ProcessOperator$ContextImpl.registerProcessingTimeTimer(ProcessOperator.java:116)\n\tat com.acme.jobs.NonKeyedTimer$Timeout.processElement(NonKeyedTimer.java:13)\n\tat org.apache.flink.streaming.api.operators.ProcessOperator.processElement(ProcessOperator.java:64)\n";
    assert_eq!(run(&generic, t), want("user", "user-code"));
    // Deep in Flink's network stack below the job's collect: the platform's.
    let t = "java.lang.IllegalStateException: Buffer pool is destroyed.\n\tat org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegment(LocalBufferPool.java:1)\n\tat org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit(RecordWriter.java:1)\n\tat org.apache.flink.streaming.runtime.io.RecordWriterOutput.collect(RecordWriterOutput.java:1)\n\tat com.acme.Job.map(Job.java:1)\n";
    assert_eq!(run(&generic, t), want("system", "flink-runtime"));
    assert_eq!(run(&origin(), t), want("system", "flink-runtime"));
}

const PY_HEAD: &str = "java.lang.RuntimeException: Error received from SDK harness for instruction 2: Traceback (most recent call last):\n  File \"/usr/local/lib/python3.8/site-packages/apache_beam/runners/worker/sdk_worker.py\", line 289, in _execute\n    response = task()\n  File \"/usr/local/lib/python3.8/site-packages/pyflink/fn_execution/table/operations.py\", line 101, in process_element\n    return self.func(value)\n";
const PY_TAIL: &str = "\n\tat org.apache.beam.runners.fnexecution.control.FnApiControlClient$ResponseStreamObserver.onNext(FnApiControlClient.java:180)\n\tat org.apache.flink.streaming.api.runners.python.beam.BeamPythonFunctionRunner.finishBundle(BeamPythonFunctionRunner.java:381)\n";

#[test]
fn python_functions_are_blamed_by_their_traceback() {
    // The job's UDF, below json from the standard library.
    let t = format!(
        "{PY_HEAD}  File \"/tmp/python-dist-7f/python-files/udfs.py\", line 12, in eval\n    return json.loads(s)\n  File \"/usr/lib/python3.8/json/__init__.py\", line 357, in loads\n    return _default_decoder.decode(s)\njson.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n{PY_TAIL}"
    );
    let rec = faultline_filter_kit::testing::record(&t);
    let v = origin().classify(&Failure::new(&rec));
    assert_eq!(decision(&v), want("user", "user-code"));
    assert_eq!(
        faultline_filter_kit::testing::labels(&v)
            .get("origin.frame")
            .map(String::as_str),
        Some("udfs.py:12 eval")
    );
    // PyFlink's coder refusing the function's value: its declared type.
    let t = format!(
        "{PY_HEAD}  File \"pyflink/fn_execution/coder_impl_fast.pyx\", line 539, in pyflink.fn_execution.coder_impl_fast.BigIntCoderImpl.encode_to_stream\nTypeError: an integer is required\n{PY_TAIL}"
    );
    assert_eq!(run(&origin(), &t), want("user", "serialization"));
    // PyFlink's runtime failing on its own (a Cython frame, relative path): the platform.
    let t = format!(
        "{PY_HEAD}  File \"pyflink/fn_execution/beam/beam_operations_fast.pyx\", line 97, in pyflink.fn_execution.beam.beam_operations_fast.NetworkOutputProcessor.process_outputs\nAttributeError: 'NoneType' object has no attribute 'x'\n{PY_TAIL}"
    );
    assert_eq!(run(&origin(), &t), want("system", "flink-runtime"));
    // Without a traceback the Java frames decide as before.
    let t = format!("java.lang.RuntimeException: Error received from SDK harness{PY_TAIL}");
    assert_eq!(run(&origin(), &t), want("system", "flink-runtime"));
}

package com.acme.jobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.ParameterTool;

/** The job is submitted without the --rates.url argument its operator requires. */
public class RequiredParam {
    public static class Convert extends RichMapFunction<Long, Long> {
        private transient String ratesUrl;

        @Override
        public void open(OpenContext ctx) {
            ParameterTool params = ParameterTool.fromMap(getRuntimeContext().getGlobalJobParameters());
            ratesUrl = params.getRequired("rates.url");
        }

        @Override
        public Long map(Long v) {
            return v + ratesUrl.length();
        }
    }

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.getConfig().setGlobalJobParameters(params);
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Convert()).sinkTo(new DiscardingSink<>());
        env.execute("required-param");
    }
}

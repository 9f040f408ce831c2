package dev.faultline.flink;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.failure.FailureEnricher;
import org.apache.flink.core.failure.FailureEnricherFactory;

/** Creates Faultline's enricher; found by Flink's plugin manager through META-INF/services. */
public final class FaultlineFailureEnricherFactory implements FailureEnricherFactory {
    @Override
    public FailureEnricher createFailureEnricher(Configuration configuration) {
        return new FaultlineFailureEnricher(configuration);
    }
}

"""Table API: a Python scalar UDF extracts the amount from each payment's JSON payload;
one payload was cut off in transit (json.JSONDecodeError in the UDF)."""
import json

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.DOUBLE())
def payment_amount(payload):
    return float(json.loads(payload)["amount"])


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    payments = t_env.from_elements(
        [("p-100", '{"amount": 12.5, "currency": "EUR"}'),
         ("p-101", '{"amount": 7.0, "currency": "EUR"}'),
         ("p-102", '{"amount": 19.99, "curr'),
         ("p-103", '{"amount": 3.2, "currency": "EUR"}')],
        DataTypes.ROW([DataTypes.FIELD("payment_id", DataTypes.STRING()),
                       DataTypes.FIELD("payload", DataTypes.STRING())]))
    t_env.create_temporary_system_function("payment_amount", payment_amount)
    t_env.create_temporary_view("payments", payments)
    t_env.execute_sql("CREATE TABLE amounts (payment_id STRING, amount DOUBLE) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO amounts SELECT payment_id, payment_amount(payload) FROM payments")


if __name__ == "__main__":
    main()

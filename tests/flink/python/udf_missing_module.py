"""Table API: a Python scalar UDF converts amounts with the team library acme_fx,
which the client can import (tests/flink/python/client-lib on its PYTHONPATH) but the
job does not ship (no add_python_file / -pyfs) and the workers do not have."""
from acme_fx import to_eur
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.DOUBLE())
def amount_eur(amount, currency):
    return to_eur(amount, currency)


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    payments = t_env.from_elements(
        [("p-100", 12.5, "USD"), ("p-101", 7.0, "EUR"), ("p-102", 1999.0, "JPY")],
        DataTypes.ROW([DataTypes.FIELD("payment_id", DataTypes.STRING()),
                       DataTypes.FIELD("amount", DataTypes.DOUBLE()),
                       DataTypes.FIELD("currency", DataTypes.STRING())]))
    t_env.create_temporary_system_function("amount_eur", amount_eur)
    t_env.create_temporary_view("payments", payments)
    t_env.execute_sql("CREATE TABLE amounts (payment_id STRING, amount_eur DOUBLE) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO amounts SELECT payment_id, amount_eur(amount, currency) FROM payments")


if __name__ == "__main__":
    main()

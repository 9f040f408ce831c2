"""Table API: a steady job: datagen (20 rows/s, unbounded) -> a Python scalar UDF that
masks card numbers -> blackhole. Used to kill things under a healthy PyFlink job."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.STRING())
def mask_card(card_number):
    return "*" * 12 + card_number[-4:]


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("""
        CREATE TABLE payments (payment_id BIGINT, card_number STRING)
        WITH ('connector' = 'datagen', 'rows-per-second' = '20',
              'fields.card_number.length' = '16')""")
    t_env.execute_sql("CREATE TABLE masked (payment_id BIGINT, card STRING) WITH ('connector' = 'blackhole')")
    t_env.create_temporary_system_function("mask_card", mask_card)
    t_env.execute_sql("INSERT INTO masked SELECT payment_id, mask_card(card_number) FROM payments")


if __name__ == "__main__":
    main()

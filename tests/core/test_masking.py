import io
import logging

from bangfu.core.masking import mask_id_number, mask_name, mask_phone, mask_text


def test_names_keep_the_first_and_last_character():
    assert mask_name("张三") == "张*"
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳晓明") == "欧**明"
    assert mask_name("") == ""


def test_id_numbers_keep_four_at_each_end():
    assert mask_id_number("35010219800101123X") == "3501**********123X"


def test_phone_numbers_keep_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_free_text_loses_id_and_phone_numbers():
    text = "户主身份证35010219800101123X，电话13812345678，住址12号"
    assert mask_text(text) == "户主身份证3501**********123X，电话138****5678，住址12号"


def test_what_reaches_the_log_output_is_masked():
    # The configured console handler, pointed at a buffer: what an operator would read.
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        logging.getLogger("bangfu.test").warning(
            "imported %s with phone %s", "35010219800101123X", "13812345678"
        )
    finally:
        handler.setStream(previous)
    assert buffer.getvalue().strip() == "imported 3501**********123X with phone 138****5678"

"""Fixed Vietnamese wording of the conversation, kept in one place for review."""

GREETING = (
    "Xin chào! Mình là trợ lý hướng dẫn thủ tục hành chính và dịch vụ công trực tuyến "
    "của xã {commune}."
)
CAN_DO = (
    "Mình có thể chỉ bạn cách làm thủ tục: căn cước, VNeID, cư trú, khai sinh, kết hôn, "
    "chứng thực, bảo hiểm, giấy phép lái xe… — làm ở đâu, cần giấy tờ gì, lệ phí, "
    "bao lâu, và cách làm trực tuyến để khỏi phải đi lại."
)
CANNOT_DO = (
    "Mình không nhận hồ sơ, không tra cứu hồ sơ cá nhân và không bao giờ hỏi mật khẩu, "
    "mã OTP hay số căn cước của bạn."
)
ASK_HINT = (
    "Bạn cứ gõ câu hỏi bằng lời của mình, có dấu hay không dấu đều được. "
    "Ví dụ: “làm căn cước cho con ở đâu”."
)
THANKS = "Không có gì ạ! Bạn cần hỏi thêm thủ tục nào cứ nhắn cho mình nhé."
ACK = "Dạ. Bạn cần hỏi thêm gì cứ nhắn cho mình nhé."
BYE = "Chào bạn, chúc bạn làm thủ tục thuận lợi!"
MENU_TITLE = "Bạn muốn hỏi về nhóm thủ tục nào?"
CATEGORY_TITLE = "{label} — chọn thủ tục bạn cần:"
SUGGEST_TITLE = "Mình chưa chắc bạn hỏi về thủ tục nào. Có phải bạn muốn hỏi:"
# The same when only one procedure comes close: a yes/no, not a one-item list.
SUGGEST_ONE = "Mình chưa chắc đã hiểu đúng. Có phải bạn muốn hỏi về “{title}”?"
SUGGEST_ONE_YES = "Đúng, xem “{title}”"
SUGGEST_ONE_NO = "Không phải"
# A question that asks something but cannot be placed, right after an answer.
SUGGEST_CONTEXT = ("Có phải bạn hỏi tiếp về “{title}”? Chọn tên thủ tục để xem. "
                   "Nếu bạn hỏi việc khác, chọn mục khác hoặc hỏi cán bộ.")
# After an answer, when the question also names a second procedure.
ALSO = "Có thể bạn cũng cần: {title}."
BUTTON_ALSO = "➕ {title}"
# An aspect asked while several choices wait ("cần giấy tờ gì"): which one is it about?
SUGGEST_WHICH = "Bạn hỏi về thủ tục nào trong các thủ tục này? Bạn chọn một, mình trả lời ngay:"
SUGGEST_WHICH_ASPECT = ("Bạn hỏi {what} của thủ tục nào trong các thủ tục này? Bạn chọn một, "
                        "mình trả lời ngay:")
SUGGEST_NONE = "Không phải các mục trên"
FALLBACK_TITLE = "Xin lỗi, mình chưa tìm thấy hướng dẫn phù hợp với câu hỏi này."
FALLBACK_BODY = (
    "Mình chỉ hướng dẫn thủ tục hành chính và dịch vụ công. Nếu bạn hỏi về một thủ tục, "
    "bạn thử gõ tên thủ tục (ví dụ: “đăng ký tạm trú”, “cấp lại căn cước”), chọn trong "
    "danh mục, hoặc hỏi trực tiếp cán bộ."
)
UNSUPPORTED = (
    "Mình chỉ đọc được tin nhắn chữ. Bạn vui lòng gõ câu hỏi bằng chữ nhé — có dấu hay "
    "không dấu đều được."
)
TOO_LONG = (
    "Tin nhắn khá dài, mình đọc phần đầu để trả lời. Bạn có thể hỏi ngắn gọn hơn để mình "
    "hiểu đúng hơn."
)
EMPTY = "Bạn chưa nhập nội dung. Bạn cần hỏi thủ tục gì ạ?"
FEEDBACK_YES = "Cảm ơn bạn đã phản hồi! Chúc bạn làm thủ tục thuận lợi."
FEEDBACK_WHY = "Cảm ơn bạn. Câu trả lời chưa đúng ở chỗ nào? Bạn bấm một ý:"
FEEDBACK_REASON_THANKS = (
    "Cảm ơn bạn. Cán bộ xã sẽ xem lại câu trả lời này. Bạn có thể hỏi lại theo cách khác, "
    "chọn trong danh mục, hoặc hỏi trực tiếp cán bộ:"
)
# What was wrong with an answer (👎 "Chưa đúng"): code → the button the citizen taps.
FEEDBACK_REASONS = {
    "topic": "Không đúng chủ đề",
    "missing": "Thiếu thông tin",
    "wrong": "Thông tin sai",
}
HANDOFF_SENT = (
    "Mình đã chuyển câu hỏi của bạn tới cán bộ xã. Cán bộ sẽ trả lời bạn tại đây trong giờ "
    "làm việc."
)
HANDOFF_NO_STAFF = "Hiện chưa có cán bộ trả lời qua tin nhắn. Bạn có thể liên hệ trực tiếp:"
# No staff chat and no phone or e-mail: say so, and say what the citizen *can* do.
HANDOFF_NOBODY = (
    "Hiện xã chưa có cán bộ trả lời qua tin nhắn, và mình chưa có số điện thoại của xã để "
    "chỉ cho bạn."
)
HANDOFF_VISIT = "Bạn có thể đến hỏi trực tiếp cán bộ tại {centre}{address}{hours}."
HANDOFF_VISIT_ADDRESS = ", địa chỉ: {address}"
HANDOFF_VISIT_HOURS = " (giờ làm việc: {hours})"
HANDOFF_VISIT_NO_HOURS = " trong giờ làm việc"
HANDOFF_KEEP_ASKING = "Bạn vẫn có thể hỏi mình về cách làm thủ tục bất cứ lúc nào."
HANDOFF_CASE = "Mã câu hỏi của bạn: {case_no}."
CONTACT_TITLE = "Liên hệ"
CONTACT_UNKNOWN = (
    "Bạn có thể đến trực tiếp {centre} hoặc hỏi công an xã. Thông tin địa chỉ, giờ làm việc "
    "đang được xã cập nhật."
)
EXPIRED = "Nút này đã hết hạn. Bạn gõ câu hỏi hoặc chọn lại trong danh mục nhé."
REVIEWED_BY_STAFF = "Cán bộ xã đã kiểm tra ngày {date}."
SOURCES_CHECKED = "Thông tin lấy theo các nguồn đến tháng {month}, cán bộ xã chưa kiểm tra lại."
MAY_CHANGE = ("Quy định có thể thay đổi — kiểm tra lại trên dichvucong.gov.vn hoặc hỏi Trung tâm "
              "Phục vụ hành chính công xã.")
CONFIRM_AT_COMMUNE = "Trước khi nộp, bạn nên hỏi lại ở xã về {things}."
CONFIRM_THINGS = {
    "fee": "lệ phí",
    "processing_time": "thời gian trả kết quả",
    "documents": "giấy tờ cần mang",
    "where": "nơi nộp hồ sơ",
    "steps": "các bước làm",
    "summary": "điều kiện được làm",
    "notes": "các lưu ý",
}
ASK_BEFORE_FILING = {
    "fee": "Mức lệ phí đang thay đổi. Bạn hỏi lại ở xã hoặc nơi nộp hồ sơ trước khi nộp.",
    "processing_time": "Thời gian trả kết quả đang thay đổi. Bạn hỏi lại ở xã trước khi nộp.",
    "summary": "Quy định về việc này đang thay đổi. Bạn hỏi lại ở xã trước khi làm.",
}
NOT_YET_IN_FORCE = "Quy định này áp dụng từ ngày {date}. Trước ngày đó, bạn hỏi ở xã nhé."
NO_LONGER_IN_FORCE = ("Thông tin này chỉ đúng đến hết ngày {date}. Bạn hỏi lại ở xã trước khi "
                      "làm nhé.")
# Technical words explained in a few words the first time an answer uses them.
GLOSSARY = {
    "NFC": "chức năng đọc chip của điện thoại",
    "passcode": "mã số tự đặt để mở các mục trong VNeID",
    "OTP": "mã số gửi qua tin nhắn",
    "Payment Platform": "nền tảng thanh toán của Cổng Dịch vụ công",
    "mức 2": "tài khoản VNeID đã xác thực ảnh, vân tay tại công an",
    "sinh trắc học": "khuôn mặt, vân tay",
}

LABEL_WHERE = "Làm ở đâu"
LABEL_STEPS = "Các bước"
LABEL_DOCUMENTS = "Giấy tờ cần chuẩn bị"
LABEL_FEE = "Lệ phí"
LABEL_TIME = "Thời gian giải quyết"
LABEL_NOTES = "Lưu ý"
LABEL_LEGAL = "Căn cứ pháp lý"
LABEL_SOURCES = "Nguồn"
LABEL_ADDRESS = "Địa chỉ"
LABEL_HOURS = "Giờ làm việc"
LABEL_HOTLINE = "Điện thoại"
LABEL_EMAIL = "Email"
LABEL_WEBSITE = "Trang web"
LABEL_POLICE = "Công an xã"
PROVINCE_OF = "tỉnh {province}"

BUTTON_HELPFUL = "👍 Có ích"
BUTTON_NOT_HELPFUL = "👎 Chưa đúng"
BUTTON_HANDOFF = "🙋 Hỏi cán bộ"
BUTTON_MENU = "📋 Danh mục"
BUTTON_CONTACT = "☎️ Liên hệ xã"
BUTTON_BACK = "⬅️ Quay lại danh mục"

# A citizen sending faster than RATE_LIMIT_PER_MINUTE gets this once per minute.
FLOOD_NOTICE = (
    "Bạn gửi tin nhắn hơi nhanh, mình chưa kịp đọc hết. Bạn đợi khoảng một phút rồi gửi "
    "lại câu hỏi nhé."
)
# Web chat only: the page waits for an answer, so later messages get this short one.
FLOOD_REFUSAL = "Mình chưa nhận tin này. Bạn đợi khoảng một phút rồi gửi lại nhé."

# --- Short answers and answers that lead with what was asked (handlers/brief.py) ---------
BUTTON_FULL = "📖 Xem đủ các bước"
BUTTON_PART_DOCUMENTS = "📄 Giấy tờ cần mang"
BUTTON_PART_FEE = "💰 Lệ phí, thời gian"
BUTTON_PART_LEGAL = "⚖️ Căn cứ pháp lý, nguồn"
LABEL_WHO = "Ai được làm, làm thay"
LABEL_RULES = "Việc bắt buộc, thời hạn, trễ hạn"
NO_FIGURE = "Mình chưa có thông tin đã kiểm chứng về {what} của thủ tục này."
ASK_AT = "Bạn hỏi trực tiếp {centre}{contact} để biết chính xác."
ASK_OFFICE = ("Bạn hỏi trực tiếp {office} để biết chính xác; cần giúp thì hỏi "
              "{centre}{contact}.")
# Labels: the channels add the colon.
ONLINE_FULL = "Làm được trực tuyến, không phải đi lại"
ONLINE_PARTIAL = "Nộp được trực tuyến, nhưng có bước vẫn phải đến nơi làm"
ONLINE_NONE = "Thủ tục này chưa làm trực tuyến được. Bạn đến"
ONLINE_INFO = "Đây là tiện ích, hướng dẫn; bạn dùng trên"
# The same verdicts as one line, after the places were already listed.
ONLINE_VERDICT = {
    "full": "Làm được trực tuyến, không phải đi lại.",
    "partial": "Nộp được trực tuyến, nhưng có bước vẫn phải đến nơi làm.",
    "none": "Thủ tục này chưa làm trực tuyến được.",
    "info": "Đây là tiện ích, hướng dẫn.",
}
LEGAL_SHORT = "Căn cứ: {basis}."
MORE_DOCUMENTS = "…và {n} giấy tờ khác (xem đủ các bước)."

# --- Conversation about the conversation (greetings, help, "are you there"…) -------------
META_PRESENCE = "Dạ, mình vẫn ở đây. Bạn cần hỏi thủ tục gì cứ nhắn nhé."
META_HELP = (
    "Dạ, mình sẵn sàng giúp. Bạn gõ tên thủ tục hoặc việc cần làm (ví dụ: “làm căn cước”), "
    "chọn trong danh mục, hoặc hỏi cán bộ xã."
)
META_CONFUSED = (
    "Xin lỗi bạn, mình nói chưa rõ. Bạn hỏi ngắn một việc (ví dụ: “lệ phí làm hộ chiếu”), "
    "hoặc chọn trong danh mục, hoặc hỏi cán bộ xã."
)
META_COMPLAINT = (
    "Xin lỗi vì mình chưa giúp được như bạn mong. Bạn có thể hỏi trực tiếp cán bộ xã, "
    "hoặc chọn trong danh mục."
)
